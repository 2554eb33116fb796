"""The most viewed listings (cache warming's) read only the listings with a recent day of
figures: the statement worked out each public listing's own today (`stats_local_day`, a
plpgsql call the planner may not run in parallel) and probed its days, one listing after
another, 2.3-3.1 s over the real catalogue's 27,971 public listings with 6,000 of them viewed."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from outings.catalog.tests.factories import ListingFactory
from outings.stats.models import ListingDay
from outings.stats.selectors import most_viewed_listings
from outings.web.warming import POPULAR_DAYS

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _local_day_calls() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_function_calls('stats_local_day'::regproc)")
        (calls,) = cursor.fetchone()
    return calls or 0


def test_only_the_listings_with_a_recent_day_are_worked_out() -> None:
    viewed = ListingFactory.create(time_zone="Europe/Berlin")
    ListingDay.objects.create(listing=viewed, day=date(2026, 3, 9), views=3)
    long_ago = ListingFactory.create(time_zone="Europe/Berlin")
    ListingDay.objects.create(listing=long_ago, day=date(2025, 3, 9), views=300)
    ListingFactory.create_batch(20, time_zone="Europe/Berlin")
    with connection.cursor() as cursor:
        cursor.execute("SET track_functions = 'pl'")
    try:
        before = _local_day_calls()

        popular = most_viewed_listings(now=NOW, days=POPULAR_DAYS, limit=10)

        calls = _local_day_calls() - before
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET track_functions")

    assert popular == [viewed.pk]
    # The viewed listing's, and the long-ago one's at most: not the 22 public listings'.
    assert 1 <= calls <= 2


@pytest.mark.parametrize(
    ("zone", "first_day"),
    [
        # 12:00 UTC on the 10th is 00:00 on the 10th at UTC-12: its window starts on the 3rd.
        ("Etc/GMT+12", date(2026, 3, 3)),
        # and 02:00 on the 11th at UTC+14: its window starts on the 4th.
        ("Pacific/Kiritimati", date(2026, 3, 4)),
        ("UTC", date(2026, 3, 3)),
    ],
)
def test_the_first_day_of_each_zones_window_still_counts(zone: str, first_day: date) -> None:
    listing = ListingFactory.create(time_zone=zone)
    ListingDay.objects.create(listing=listing, day=first_day, views=1)
    before = ListingFactory.create(time_zone=zone)
    ListingDay.objects.create(
        listing=before, day=date.fromordinal(first_day.toordinal() - 1), views=1
    )

    assert most_viewed_listings(now=NOW, days=POPULAR_DAYS, limit=10) == [listing.pk]
