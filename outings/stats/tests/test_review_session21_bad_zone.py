"""A listing whose stored time zone is no zone PostgreSQL knows (older data, written before the
field was checked; here by a raw UPDATE) stopped every view of every listing from being counted:
the flush's upsert put each quarter on its listing's day with PostgreSQL's timezone(), which
raises for an unknown zone, so the whole batch failed, stayed in Redis and failed again at each
flush. The host's dashboard (each listing's last 30 days) answered 500, and cache warming's most
viewed listings failed. Such a listing's days are UTC's, as its pages and the bookings' count
read it (common.zones.zone_or_utc)."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test import Client, override_settings

from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.stats import services
from outings.stats.models import ListingDay
from outings.stats.selectors import most_viewed_listings
from outings.stats.tests.fixtures import memory_buffer

pytestmark = pytest.mark.django_db
__all__ = ["memory_buffer"]  # a fixture, used by name

BAD = "Europe/Berln"  # a typo
# 23:50 on 9 March 2026 in UTC (00:50 on the 10th in Berlin).
LATE = datetime(2026, 3, 9, 23, 50, tzinfo=UTC)


def with_bad_zone(listing: Listing) -> Listing:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_listing SET time_zone = %s WHERE id = %s", [BAD, listing.pk])
    listing.refresh_from_db()
    return listing


def test_a_listing_with_an_unknown_zone_does_not_stop_the_flush(memory_buffer) -> None:
    bad = with_bad_zone(ListingFactory.create(time_zone="Europe/Berlin"))
    good = ListingFactory.create(time_zone="Europe/Berlin")
    for listing in (bad, good):
        services.record_listing_view(listing_id=listing.pk, now=LATE)

    services.flush_listing_views()

    assert ListingDay.objects.get(listing=good).day == date(2026, 3, 10)
    assert ListingDay.objects.get(listing=bad).day == date(2026, 3, 9)  # UTC's


def test_a_listing_with_an_unknown_zone_does_not_stop_the_redis_flush(redis_url: str) -> None:
    bad = with_bad_zone(ListingFactory.create())
    good = ListingFactory.create()
    with override_settings(REDIS_URL=redis_url):
        services.flush_listing_views()  # whatever an earlier test left
        for listing in (bad, good):
            services.record_listing_view(listing_id=listing.pk, now=LATE)
        services.flush_listing_views()

    assert ListingDay.objects.filter(listing__in=[bad, good], views=1).count() == 2


def test_the_dashboard_and_warming_read_a_listing_with_an_unknown_zone() -> None:
    host = HostProfileFactory.create()
    bad = with_bad_zone(ListingFactory.create(host=host))
    ListingDay.objects.create(listing=bad, day=LATE.date(), views=3)
    client = Client()
    client.force_login(host.user)

    page = client.get("/host/")

    assert page.status_code == 200
    assert f'data-recent-views="{bad.pk}:' in page.content.decode()
    assert most_viewed_listings(now=LATE, days=7, limit=5) == [bad.pk]
