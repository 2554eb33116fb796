from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from outings.catalog.tests.factories import ListingFactory
from outings.stats import selectors, services
from outings.stats.models import ListingDay
from outings.stats.tests.fixtures import memory_buffer

pytestmark = pytest.mark.django_db
__all__ = ["memory_buffer"]  # a fixture, used by name


@pytest.fixture
def listing():
    return ListingFactory.create()


def test_a_view_costs_no_query_and_a_flush_writes_one_row_per_listing_and_day(
    listing, memory_buffer, django_assert_num_queries
):
    with django_assert_num_queries(0):
        for _ in range(5):
            services.record_listing_view(listing_id=listing.pk)

    assert services.flush_listing_views() == 5
    services.record_listing_view(listing_id=listing.pk)
    services.flush_listing_views()

    row = ListingDay.objects.get()
    assert (row.listing_id, row.day, row.views, row.bookings) == (
        listing.pk,
        selectors.day_of(listing, timezone.now()),
        6,
        0,
    )


def test_views_of_a_deleted_listing_are_dropped_without_failing_the_flush(listing, memory_buffer):
    services.record_listing_view(listing_id=listing.pk)
    services.record_listing_view(listing_id=listing.pk + 1000)

    services.flush_listing_views()

    assert list(ListingDay.objects.values_list("listing_id", "views")) == [(listing.pk, 1)]


def test_views_are_counted_in_redis_and_moved_by_the_flush(listing, redis_url):
    with override_settings(REDIS_URL=redis_url):
        for _ in range(3):
            services.record_listing_view(listing_id=listing.pk)
        assert not ListingDay.objects.exists()

        assert services.flush_listing_views() == 3
        assert services.flush_listing_views() == 0
        services.record_listing_view(listing_id=listing.pk)
        services.flush_listing_views()

    assert ListingDay.objects.get().views == 4


def test_bookings_add_up_and_a_cancellation_never_goes_below_zero(listing):
    day = date(2026, 5, 1)

    services.add_bookings(listing_id=listing.pk, day=day)
    services.add_bookings(listing_id=listing.pk, day=day, count=2)
    assert ListingDay.objects.get().bookings == 3
    services.add_bookings(listing_id=listing.pk, day=day, count=-5)
    assert ListingDay.objects.get().bookings == 0


def test_the_daily_series_has_every_day_with_zeros_for_quiet_days(listing):
    first = date(2026, 5, 1)
    ListingDay.objects.create(listing=listing, day=first + timedelta(days=1), views=7, bookings=1)

    days = selectors.listing_days(listing_id=listing.pk, first=first, last=first + timedelta(2))

    assert [(d.day.day, d.views, d.bookings) for d in days] == [(1, 0, 0), (2, 7, 1), (3, 0, 0)]


def test_a_flush_with_nothing_buffered_costs_no_query(memory_buffer, django_assert_num_queries):
    """At every process's exit the buffer flushes itself: with nothing in it, it must not open
    a connection (at interpreter shutdown it cannot even start the pool's threads)."""
    with django_assert_num_queries(0):
        assert services.flush_listing_views() == 0
