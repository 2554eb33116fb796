"""Review (session 25): views counted in a process's memory (the embedded profile, or Redis
down) whose flush failed (the database away a moment) were kept for the next flush, but only a
next view set the timer for one: a process that saw no view after the failure kept them until
its exit (hours on a quiet site, the host never seeing them) and lost them if the database was
away then too. A failed flush now sets the timer again itself."""

import logging
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from outings.catalog.tests.factories import ListingFactory
from outings.stats import services
from outings.stats.models import ListingDay
from outings.stats.tests.fixtures import quick_memory_buffer

pytestmark = pytest.mark.django_db(transaction=True)  # the flush runs on a thread of its own
__all__ = ["quick_memory_buffer"]  # a fixture, used by name

TABLE = ListingDay._meta.db_table
REFUSAL = "review_session25_refuse_views"


@pytest.fixture
def refusing_database() -> Iterator[None]:
    """PostgreSQL refuses every view added to the daily table (a constraint no row meets)
    until the test drops the constraint; dropped in the end whatever happens."""
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {REFUSAL} CHECK (views < 0) NOT VALID")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {REFUSAL}")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_views_whose_flush_failed_are_flushed_though_no_view_follows(
    quick_memory_buffer: None, refusing_database: None, caplog: pytest.LogCaptureFixture
) -> None:
    listing = ListingFactory.create()
    with caplog.at_level(logging.ERROR, logger=services.__name__):
        for _ in range(3):
            services.record_listing_view(listing_id=listing.pk)

        wait_for(
            lambda: any("could not flush 3" in r.getMessage() for r in caplog.records),
            "the timer's flush never ran",
        )
    with connection.cursor() as cursor:  # the database takes views again
        cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {REFUSAL}")

    wait_for(
        lambda: ListingDay.objects.filter(listing=listing).exists(),
        "the views whose flush failed were never flushed",
    )
    assert ListingDay.objects.get(listing=listing).views == 3
    assert not services._memory.counts
