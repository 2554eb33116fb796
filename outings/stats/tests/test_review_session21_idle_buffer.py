"""Views counted in a process's memory (the embedded profile, no Redis; or Redis down) were
flushed by the next view that came STATS_FLUSH_SECONDS after the last flush, or at the
process's exit: a web process that saw no more views after a burst kept that burst for hours,
and its host never saw those views. The buffer now flushes itself STATS_FLUSH_SECONDS after its
first view, whether more come or not."""

import time

import pytest

from outings.catalog.tests.factories import ListingFactory
from outings.stats import services
from outings.stats.models import ListingDay
from outings.stats.tests.fixtures import quick_memory_buffer

pytestmark = pytest.mark.django_db(transaction=True)  # the flush runs on a thread of its own
__all__ = ["quick_memory_buffer"]  # a fixture, used by name


def test_views_are_flushed_though_no_view_follows(quick_memory_buffer: None) -> None:
    listing = ListingFactory.create()
    for _ in range(3):
        services.record_listing_view(listing_id=listing.pk)

    deadline = time.monotonic() + 10
    while not ListingDay.objects.filter(listing=listing).exists():
        assert time.monotonic() < deadline, "the buffered views were never flushed"
        time.sleep(0.1)

    assert ListingDay.objects.get(listing=listing).views == 3
    assert not services._memory.counts
