"""GET /api/v1/host/listings/{id}/stats: a listing's views and bookings per day (its own
zone's), for its host (nothing showed them before). The last 30 days unless `from`/`to` say
otherwise, at most 366 days; bad dates, `to` before `from` or a longer span are 400
validation_error."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.api.tests.helpers import error_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory
from outings.common.tests.queries import statements_of
from outings.stats.models import ListingDay
from outings.stats.selectors import day_of
from outings.stats.tests.fixtures import RecentFigures, recent_figures

__all__ = ["recent_figures"]  # a fixture, used by name

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(host_user: Any) -> Listing:
    return ListingFactory.create(host=host_user.host_profile)


@pytest.fixture
def api(host_user: Any, token_for: Any) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(host_user)}"})


def url(listing: Listing, query: str = "") -> str:
    return f"/api/v1/host/listings/{listing.pk}/stats{query}"


def test_it_answers_the_listings_last_30_days_with_totals_by_default(
    api: Client, listing: Listing, recent_figures: RecentFigures
) -> None:
    today = recent_figures.today

    response = api.get(url(listing))

    assert response.status_code == 200
    body = response.json()
    assert body["listing_id"] == listing.pk
    assert body["time_zone"] == listing.time_zone == "America/Toronto"
    assert body["from"] == (today - timedelta(days=29)).isoformat()
    assert body["to"] == today.isoformat()
    assert (body["views"], body["bookings"]) == (12, 3)
    assert len(body["days"]) == 30
    assert body["days"][0] == {
        "day": (today - timedelta(days=29)).isoformat(),
        "views": 5,
        "bookings": 1,
    }
    assert body["days"][1] == {
        "day": (today - timedelta(days=28)).isoformat(),
        "views": 0,
        "bookings": 0,
    }
    assert body["days"][-1] == {"day": today.isoformat(), "views": 7, "bookings": 2}


def test_it_is_no_store_like_every_read_only_its_caller_sees(api: Client, listing: Listing) -> None:
    """One rule (docs/api.md, "Caching"): `no-store`, varying on who asks. The route added
    `private` on top of set_no_store's `no-store`, which says nothing more (nothing is stored,
    privately or not) and made it the one such read not answering exactly `no-store`."""
    response = api.get(url(listing))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    vary = {name.strip().lower() for name in response["Vary"].split(",")}
    assert {"authorization", "cookie", "accept-language"} <= vary
    assert "ETag" not in response


def test_it_answers_the_days_asked_for(api: Client, listing: Listing) -> None:
    ListingDay.objects.create(listing=listing, day=date(2026, 2, 28), views=3)
    ListingDay.objects.create(listing=listing, day=date(2026, 3, 1), views=4, bookings=1)

    body = api.get(url(listing, "?from=2026-02-27&to=2026-03-01")).json()

    assert [(d["day"], d["views"], d["bookings"]) for d in body["days"]] == [
        ("2026-02-27", 0, 0),
        ("2026-02-28", 3, 0),
        ("2026-03-01", 4, 1),
    ]
    assert (body["from"], body["to"], body["views"], body["bookings"]) == (
        "2026-02-27",
        "2026-03-01",
        7,
        1,
    )


def test_one_side_given_counts_30_days_from_or_to_it(api: Client, listing: Listing) -> None:
    body = api.get(url(listing, "?from=2026-01-01")).json()
    assert (body["from"], body["to"], len(body["days"])) == ("2026-01-01", "2026-01-30", 30)

    body = api.get(url(listing, "?to=2026-01-30")).json()
    assert (body["from"], body["to"], len(body["days"])) == ("2026-01-01", "2026-01-30", 30)


def test_a_span_of_366_days_is_taken(api: Client, listing: Listing) -> None:
    response = api.get(url(listing, "?from=2024-01-01&to=2024-12-31"))  # a leap year

    assert response.status_code == 200
    assert len(response.json()["days"]) == 366


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=2026-02-30", "query.from"),
        ("?to=2026-13-01", "query.to"),
        ("?from=tomorrow", "query.from"),
        ("?from=20260101", "query.from"),
        ("?from=1767225600", "query.from"),
        ("?from=0000-01-01", "query.from"),
        ("?from=2026-03-02&to=2026-03-01", "query.to"),
        ("?from=2024-01-01&to=2025-01-01", "query.to"),  # 367 days
        ("?from=0001-01-01&to=9999-12-31", "query.to"),
        ("?to=0001-01-01", "query.to"),  # its 30 days would start before the first day
        ("?from=9999-12-31", "query.from"),  # its 30 days would end after the last
    ],
)
def test_bad_dates_are_400_validation_error(
    api: Client, listing: Listing, query: str, field: str
) -> None:
    response = api.get(url(listing, query))

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error


def test_another_hosts_listing_is_404_and_a_guest_403(
    api: Client, token_for: Any, listing: Listing
) -> None:
    theirs = ListingFactory.create(host=HostProfileFactory.create())

    response = api.get(url(theirs))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"

    guest = Client(headers={"Authorization": f"Bearer {token_for(UserFactory.create())}"})
    assert guest.get(url(listing)).status_code == 403
    assert Client().get(url(listing)).status_code == 401


def test_it_costs_the_same_queries_whatever_the_days_and_rows(
    api: Client, listing: Listing
) -> None:
    def fetch(query: str) -> list[str]:
        api.get(url(listing, query))  # the first warms what a request caches (the token's use)
        response, statements = statements_of(lambda: api.get(url(listing, query)))
        assert response.status_code == 200
        return statements

    few = fetch("?from=2026-01-01&to=2026-01-03")
    for n in range(60):
        ListingDay.objects.create(
            listing=listing, day=date(2026, 1, 1) + timedelta(days=n * 6), views=n, bookings=1
        )
    many = fetch("?from=2026-01-01&to=2026-12-31")

    assert len(many) == len(few)
    assert api.get(url(listing, "?from=2026-01-01&to=2026-12-31")).json()["bookings"] == 60


def test_the_route_is_in_the_openapi_document(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()

    operation = document["paths"]["/api/v1/host/listings/{listing_id}/stats"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"listing_id", "from", "to"} <= names
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])


def test_staff_with_the_permission_read_any_listings_figures(token_for: Any) -> None:
    """The page's rule (docs/hosting.md, "How a listing does"): staff given
    stats.view_listingday read any listing's figures, in any state; the API answered them
    403 not_a_host."""
    draft = ListingFactory.create(host=HostProfileFactory.create(), status=Listing.Status.DRAFT)
    ListingDay.objects.create(listing=draft, day=day_of(draft, timezone.now()), views=4, bookings=1)
    staff = UserFactory.create(is_staff=True, permissions=["stats.view_listingday"])
    api = Client(headers={"Authorization": f"Bearer {token_for(staff)}"})

    response = api.get(url(draft))

    assert response.status_code == 200
    assert (response.json()["listing_id"], response.json()["views"]) == (draft.pk, 4)
    missing = api.get(f"/api/v1/host/listings/{draft.pk + 1000}/stats")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"


def test_staff_without_the_permission_are_refused_as_before(
    token_for: Any, listing: Listing
) -> None:
    staff = UserFactory.create(is_staff=True, permissions=["hosting.change_listingreview"])
    refused = Client(headers={"Authorization": f"Bearer {token_for(staff)}"}).get(url(listing))
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "not_a_host"

    staff_host = HostProfileFactory.create(user__is_staff=True).user
    api = Client(headers={"Authorization": f"Bearer {token_for(staff_host)}"})
    assert api.get(url(listing)).status_code == 404
