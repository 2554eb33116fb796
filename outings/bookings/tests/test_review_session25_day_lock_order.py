"""Review (session 25): cancelling a whole date takes each confirmed booking off the day it was
counted on (stats.ListingDay), one row per booking, in booking order; the views flush adds
views to the same rows in one upsert, in (listing, day) order. A date whose first booking was
counted on a later day than its second (a request the host accepted the next day, a booking
made the evening before) took the later day's row first, then waited for the earlier one,
while a flush of views on both days held the earlier row and waited for the later: PostgreSQL
failed one of them ("deadlock detected": the host's cancellation answered 500, or the flush
task failed). The date's cancellation now takes the rows it changes in the flush's order
before it changes them (stats.services.lock_days). So did a host's higher minimum deciding
several dates past their cut-off in one transaction (bookings.services.update_listing), date
after date, each taking its days after the dates before it: it now locks every such date's
bookings, the dates and all their days before it decides any.

The test makes the two meet: it holds the earlier day's row from a third session, lets the one
path run until it waits for that row, then the other, and lets go; each has by then taken what
it takes before that row. Run with each path first (the flush first in the row's queue is the
order that deadlocked); the negative control takes the rows the old way, the later day first,
and must see the deadlock, or the harness could not see one."""

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from outings.accounts.models import HostProfile
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.services import ListingData
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.tests.connections import met_behind
from outings.scheduling.models import Slot
from outings.stats import services as stats
from outings.stats.models import ListingDay
from outings.stats.tests.fixtures import memory_buffer  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("memory_buffer")]

# Two days on which the date's bookings were counted, and views came in.
EARLIER = date(2030, 4, 28)
LATER = EARLIER + timedelta(days=1)


def confirmed_on(slot: Slot, day: date) -> Booking:
    """A confirmed booking on `slot`, counted on `day` (as the confirmation's worker does)."""
    guest = UserFactory.create()
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=now)
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=now)
    Booking.objects.filter(pk=booking.pk).update(counted_on=day)
    stats.add_bookings(listing_id=slot.listing_id, day=day)
    return booking


@pytest.fixture
def a_booked_date() -> Slot:
    """A date (of a listing in Toronto, where noon UTC is on the same day) whose first booking
    was counted on the later day and its second on the earlier one, and a view (at noon UTC)
    on each day, buffered."""
    listing = ListingFactory.create(host=HostProfileFactory.create(), max_group_size=6)
    slot = SlotFactory.create(listing=listing, capacity=10)
    confirmed_on(slot, LATER)
    confirmed_on(slot, EARLIER)
    for day in (EARLIER, LATER):
        at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
        stats.record_listing_view(listing_id=listing.pk, now=at)
    return slot


def met_at_the_earlier_day(
    slot: Slot, first: tuple[str, Callable[[], Any]], second: tuple[str, Callable[[], Any]]
) -> dict[str, Any]:
    """Run `first` until it waits for the earlier day's row (held here), then `second` until it
    waits too, then let the row go; what each returned or raised."""
    return met_behind(
        lambda: list(
            ListingDay.objects.select_for_update()
            .filter(listing_id=slot.listing_id, day=EARLIER)
            .values_list("pk", flat=True)
        ),
        first,
        second,
    )


def hosts_cancellation(slot: Slot) -> Callable[[], Slot]:
    host: HostProfile = slot.listing.host
    return lambda: services.cancel_slot(
        host=host, slot_id=slot.pk, reason="The boat is broken.", now=timezone.now()
    )


def days(slot: Slot) -> dict[date, tuple[int, int]]:
    rows = ListingDay.objects.filter(listing_id=slot.listing_id)
    return {row.day: (row.views, row.bookings) for row in rows}


@pytest.mark.parametrize("flush_first", [True, False])
def test_a_dates_cancellation_and_the_views_flush_never_deadlock(
    a_booked_date: Slot, flush_first: bool
) -> None:
    slot = a_booked_date
    flush = ("flush", stats.flush_listing_views)
    cancel = ("cancel", hosts_cancellation(slot))

    outcome = met_at_the_earlier_day(slot, *((flush, cancel) if flush_first else (cancel, flush)))

    assert outcome["flush"] == 2
    assert isinstance(outcome["cancel"], Slot)
    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED
    assert days(slot) == {EARLIER: (1, 0), LATER: (1, 0)}


@pytest.fixture
def two_dates_past_their_cut_off() -> tuple[Slot, Slot]:
    """Two dates of a listing with a minimum of 2 (a 48 hours' cut-off) past their cut-off and
    not decided yet (the run has not come round), one guest each: the first (by start) counted
    on the later day, the second on the earlier; a view on each day, buffered."""
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), max_group_size=6, min_guests=2
    )
    first, second = (
        SlotFactory.create(listing=listing, capacity=10, starts_at=timezone.now() + hours)
        for hours in (timedelta(hours=24), timedelta(hours=30))
    )
    confirmed_on(first, LATER)
    confirmed_on(second, EARLIER)
    for day in (EARLIER, LATER):
        at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
        stats.record_listing_view(listing_id=listing.pk, now=at)
    return first, second


def hosts_higher_minimum(listing: Listing) -> Callable[[], Listing]:
    """The host raises the minimum to 3: both dates are decided at the edit by the 2 they had,
    and cancelled (1 guest each), in one transaction, in start order."""
    host: HostProfile = listing.host
    listing.refresh_from_db()
    data = replace(ListingData.of(listing), address="1 Harbour Street", min_guests=3)
    return lambda: services.update_listing(
        host=host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=data,
        actor=host.user,
        now=timezone.now(),
    )


@pytest.mark.parametrize("flush_first", [True, False])
def test_a_higher_minimum_cancelling_several_dates_and_the_views_flush_never_deadlock(
    two_dates_past_their_cut_off: tuple[Slot, Slot], flush_first: bool
) -> None:
    first, second = two_dates_past_their_cut_off
    flush = ("flush", stats.flush_listing_views)
    edit = ("edit", hosts_higher_minimum(first.listing))

    outcome = met_at_the_earlier_day(first, *((flush, edit) if flush_first else (edit, flush)))

    assert outcome["flush"] == 2
    assert isinstance(outcome["edit"], Listing), outcome["edit"]
    for slot in (first, second):
        slot.refresh_from_db()
        assert slot.status == Slot.Status.CANCELLED
    assert days(first) == {EARLIER: (1, 0), LATER: (1, 0)}


def test_negative_control_the_rows_taken_later_day_first_deadlock_with_the_flush(
    a_booked_date: Slot, caplog: pytest.LogCaptureFixture
) -> None:
    slot = a_booked_date

    @transaction.atomic
    def in_booking_order() -> None:  # the cancellation's order until session 25
        for day in (LATER, EARLIER):
            stats.add_bookings(listing_id=slot.listing_id, day=day, count=-1)

    with caplog.at_level(logging.ERROR, logger=stats.__name__):
        outcome = met_at_the_earlier_day(
            slot, ("flush", stats.flush_listing_views), ("cancel", in_booking_order)
        )

    # PostgreSQL fails one of the two: the cancellation raises, or the flush logs its failure
    # (and keeps the views for its next flush).
    cancel = outcome["cancel"]
    flush_failures = [str(record.exc_info[1]) for record in caplog.records if record.exc_info]
    assert len([cancel] if isinstance(cancel, OperationalError) else flush_failures) == 1
    assert "deadlock detected" in (str(cancel) if cancel else flush_failures[0])
