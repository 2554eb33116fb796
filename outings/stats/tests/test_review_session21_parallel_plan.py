"""stats_local_day (stats.0004) catches an unknown zone in a PL/pgSQL EXCEPTION block, which
starts a subtransaction at every call, and was declared PARALLEL SAFE: under a parallel plan
(the planner's choice for a scan of a large catalogue, as most_viewed_listings reads every public
listing) PostgreSQL 15 refuses it, "cannot start subtransactions during a parallel operation",
and cache warming's most viewed listings failed. PostgreSQL's documentation: a function that
"establishes an EXCEPTION block to catch errors" must be marked PARALLEL UNSAFE. A parallel plan
is forced here (what the planner picks on a big table), on this test's transaction only."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory
from outings.stats.models import ListingDay
from outings.stats.selectors import most_viewed_listings, recent_totals

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 9, 23, 50, tzinfo=UTC)  # 00:50 on the 10th in Berlin


def _parallel_plans() -> None:
    """Every statement of this transaction as a parallel plan when its functions allow one."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int")
        (version,) = cursor.fetchone()
        # Renamed in PostgreSQL 16.
        name = "debug_parallel_query" if version >= 160000 else "force_parallel_mode"
        cursor.execute(f"SET LOCAL {name} = on")
        cursor.execute("SET LOCAL parallel_setup_cost = 0")
        cursor.execute("SET LOCAL parallel_tuple_cost = 0")


def test_the_most_viewed_listings_are_read_under_any_plan() -> None:
    viewed = ListingFactory.create(time_zone="Europe/Berlin")
    ListingDay.objects.create(listing=viewed, day=date(2026, 3, 10), views=4, bookings=0)
    _parallel_plans()

    assert most_viewed_listings(now=NOW, days=7, limit=10) == [viewed.pk]


def test_the_recent_figures_are_read_under_any_plan() -> None:
    listing = ListingFactory.create(time_zone="Europe/Berlin")
    ListingDay.objects.create(listing=listing, day=date(2026, 3, 10), views=3, bookings=1)
    _parallel_plans()

    figures = Listing.objects.annotate(**recent_totals(now=NOW)).filter(pk=listing.pk)

    assert list(figures.values(*recent_totals(now=NOW))) == [
        {"recent_views": 3, "recent_bookings": 1}
    ]
