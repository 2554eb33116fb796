"""A host sees how each listing does: its views and bookings of the last 30 days (its own
zone's days), day by day with totals, on a page of its own (`/host/listings/<id>/stats/`).
Nothing showed them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory
from outings.common.tests.queries import assert_same_queries
from outings.stats import services as stats
from outings.stats.models import ListingDay
from outings.stats.selectors import day_of
from outings.stats.tests.fixtures import RecentFigures, recent_figures

__all__ = ["recent_figures"]  # a fixture, used by name

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


def stats_url(listing: Listing) -> str:
    return f"/host/listings/{listing.pk}/stats/"


def test_it_shows_each_day_of_the_last_30_with_totals_in_the_listings_zone(
    host_client: Client, listing: Listing, recent_figures: RecentFigures
) -> None:
    today = recent_figures.today
    stats.add_bookings(listing_id=listing.pk, day=today - timedelta(days=3), count=1)

    response = host_client.get(stats_url(listing))

    assert response.status_code == 200
    page = response.content.decode()
    assert "in the listing's time zone, America/Toronto:" in page
    assert page.count('<tr class="stats-day">') == 30
    assert 'data-total-views="12"' in page
    assert 'data-total-bookings="4"' in page  # the figures' 3, and the one added
    assert (today - timedelta(days=30)).isoformat() not in page
    assert (today - timedelta(days=29)).isoformat() in page
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]


def test_the_listing_page_links_to_its_stats(host_client: Client, listing: Listing) -> None:
    page = host_client.get(f"/host/listings/{listing.pk}/").content.decode()

    assert f'href="{stats_url(listing)}"' in page


def test_another_hosts_listing_is_not_found(host_client: Client) -> None:
    theirs = ListingFactory.create(host=HostProfileFactory.create())
    ListingDay.objects.create(listing=theirs, day=day_of(theirs, timezone.now()), views=9)

    assert host_client.get(stats_url(theirs)).status_code == 404


def test_someone_who_is_not_signed_in_is_sent_to_log_in(client: Client, listing: Listing) -> None:
    response = client.get(stats_url(listing))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_guest_who_is_no_host_is_sent_to_become_one(client: Client, listing: Listing) -> None:
    client.force_login(UserFactory.create())

    response = client.get(stats_url(listing))

    assert response.status_code == 302
    assert response["Location"] == "/host/become/"


def test_it_is_read_only(host_client: Client, listing: Listing) -> None:
    assert host_client.post(stats_url(listing)).status_code == 405
    assert not ListingDay.objects.exists()


def test_it_costs_the_same_queries_with_more_days_of_figures(
    host_client: Client, host: HostProfile, listing: Listing
) -> None:
    today = day_of(listing, timezone.now())

    def grow(start: int, n: int) -> None:
        for day in range(start, start + n):
            ListingDay.objects.create(
                listing=listing, day=today - timedelta(days=day), views=day + 1, bookings=day % 2
            )
        # Other listings' figures are not this page's.
        other = ListingFactory.create(host=host)
        ListingDay.objects.create(listing=other, day=today, views=3)

    grow(0, 3)

    few, many = assert_same_queries(lambda: host_client.get(stats_url(listing)), lambda: grow(3, 9))

    assert 'data-total-views="6"' in few.content.decode()
    assert 'data-total-views="78"' in many.content.decode()


def test_the_dashboard_shows_each_listings_last_30_days_and_links_to_them(
    host_client: Client, host: HostProfile, listing: Listing, recent_figures: RecentFigures
) -> None:
    quiet = ListingFactory.create(host=host)

    page = host_client.get("/host/").content.decode()

    assert f'data-recent-views="{listing.pk}:12"' in page
    assert f'data-recent-bookings="{listing.pk}:3"' in page
    assert f'data-recent-views="{quiet.pk}:0"' in page
    assert f'href="{stats_url(listing)}"' in page
    assert "each listing's own days" in page


def test_the_dashboard_costs_the_same_with_three_times_the_listings_with_figures(
    host_client: Client, host: HostProfile
) -> None:
    today = timezone.now().date()

    def grow(n: int) -> None:
        for i in range(n):
            listing = ListingFactory.create(host=host)
            for day in range(i + 1):
                ListingDay.objects.create(
                    listing=listing, day=today - timedelta(days=day), views=1, bookings=1
                )

    grow(2)

    _, many = assert_same_queries(lambda: host_client.get("/host/"), lambda: grow(4))

    assert many.content.decode().count("data-recent-views=") == 6


def test_staff_with_the_permission_see_any_listings_figures(
    client: Client, listing: Listing
) -> None:
    ListingDay.objects.create(listing=listing, day=day_of(listing, timezone.now()), views=4)
    client.force_login(UserFactory.create(is_staff=True, permissions=["stats.view_listingday"]))

    response = client.get(stats_url(listing))

    assert response.status_code == 200
    assert 'data-total-views="4"' in response.content.decode()
    assert f'href="/admin/catalog/listing/{listing.pk}/change/"' in response.content.decode()
    assert client.get(f"/host/listings/{listing.pk + 1000}/stats/").status_code == 404


def test_staff_without_the_permission_are_not_let_in(client: Client, listing: Listing) -> None:
    client.force_login(
        UserFactory.create(is_staff=True, permissions=["hosting.change_listingreview"])
    )

    response = client.get(stats_url(listing))

    assert response.status_code == 302
    assert response["Location"] == "/host/become/"


def test_a_host_who_is_staff_without_the_permission_gets_404_for_another_listing(
    client: Client, listing: Listing
) -> None:
    staff_host = HostProfileFactory.create(user__is_staff=True)
    client.force_login(staff_host.user)

    assert client.get(stats_url(listing)).status_code == 404
