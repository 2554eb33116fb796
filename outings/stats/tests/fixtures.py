"""What the statistics tests share: the figures the tests of a listing's Views and bookings page,
the dashboard and the API set up (one set of days, so that each of them reads the same figures),
and the in-memory view buffer. Import a fixture into the test module, as
`from outings.stats.tests.fixtures import recent_figures`."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from outings.catalog.models import Listing
from outings.stats import services
from outings.stats.models import ListingDay
from outings.stats.selectors import day_of


@dataclass(frozen=True)
class RecentFigures:
    """What was written: the listing's today (in its time zone); its last 30 days add up to
    12 views and 3 bookings."""

    today: date


@pytest.fixture
def recent_figures(listing: Listing) -> RecentFigures:
    """Views and bookings on the first and the last of the `listing` fixture's last 30 days
    (29 days ago and today), and a busy day just before them (30 days ago) that must not
    count."""
    today = day_of(listing, timezone.now())
    ListingDay.objects.create(listing=listing, day=today, views=7, bookings=2)
    ListingDay.objects.create(listing=listing, day=today - timedelta(days=29), views=5, bookings=1)
    ListingDay.objects.create(
        listing=listing, day=today - timedelta(days=30), views=100, bookings=9
    )
    return RecentFigures(today=today)


@pytest.fixture
def memory_buffer() -> Iterator[None]:
    """Views counted in this process's memory (no Redis), flushed only when the test says."""
    services._memory.reset()
    with override_settings(REDIS_URL="", STATS_FLUSH_SECONDS=3600):
        yield
    services._memory.reset()


@pytest.fixture
def quick_memory_buffer() -> Iterator[None]:
    """Views counted in this process's memory (no Redis), flushed by the buffer's own timer
    half a second after the first (on a thread of its own: the test's database must be
    transactional)."""
    services._memory.reset()
    with override_settings(REDIS_URL="", STATS_FLUSH_SECONDS=0.5):
        yield
    services._memory.reset()
