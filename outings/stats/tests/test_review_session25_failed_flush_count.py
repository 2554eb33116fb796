"""Review (session 25): without Redis (the embedded profile), flush_listing_views returned the
number of views the process's memory held before the flush, whether the flush added them or
failed (the database away: they are kept for the next flush); the beat task logged "flushed 3
listing views" for views not in the database. It now returns what the flush added."""

import pytest
from django.db import connection

from outings.catalog.tests.factories import ListingFactory
from outings.stats import services
from outings.stats.models import ListingDay
from outings.stats.tests.fixtures import memory_buffer
from outings.stats.tests.test_review_session25_failed_flush import (
    REFUSAL,
    TABLE,
    refusing_database,
)

pytestmark = pytest.mark.django_db(transaction=True)  # the constraint is dropped mid-test
__all__ = ["memory_buffer", "refusing_database"]  # fixtures, used by name


def test_a_failed_flush_of_the_memory_buffer_reports_no_view_moved(
    memory_buffer: None, refusing_database: None
) -> None:
    listing = ListingFactory.create()
    for _ in range(3):
        services.record_listing_view(listing_id=listing.pk)

    assert services.flush_listing_views() == 0

    assert not ListingDay.objects.filter(listing=listing).exists()
    assert sum(services._memory.counts.values()) == 3  # kept for the next flush
    with connection.cursor() as cursor:  # the database takes views again
        cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {REFUSAL}")
    assert services.flush_listing_views() == 3
    assert ListingDay.objects.get(listing=listing).views == 3
