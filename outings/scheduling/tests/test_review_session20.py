"""Review of scheduling (session 20)."""

from datetime import UTC, datetime

import pytest

from outings.bookings import services as bookings
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.scheduling import events
from outings.scheduling.services.sync import announce_retimed

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)  # before every factory slot


def test_announce_retimed_names_the_last_booking_and_entry_of_the_moved_dates_in_one_query(
    django_assert_num_queries,
):
    """One statement reads both bounds (it ran one aggregate per table), then the outbox row."""
    listing = ListingFactory.create(max_group_size=6)
    moved, full, elsewhere = SlotFactory.create_batch(3, listing=listing, capacity=2)
    guest, waiting, later = UserFactory.create_batch(3)
    held = bookings.hold_seats(guest=guest, slot_id=moved.pk, seats=1, now=NOW)
    bookings.hold_seats(guest=guest, slot_id=full.pk, seats=2, now=NOW)
    entry = bookings.join_waitlist(guest=waiting, slot_id=full.pk, seats=1, now=NOW)
    # Made later, on a date that did not move: neither bound names them.
    bookings.hold_seats(guest=later, slot_id=elsewhere.pk, seats=2, now=NOW)
    bookings.join_waitlist(guest=waiting, slot_id=elsewhere.pk, seats=1, now=NOW)
    last_booking_on_full = full.bookings.get().pk

    with django_assert_num_queries(2):
        announce_retimed([moved.pk, full.pk])

    told = OutboxMessage.objects.filter(kind=events.RETIMED).values_list("payload", flat=True)
    assert list(told) == [
        {
            "slots": [moved.pk, full.pk],
            "last_booking": last_booking_on_full,
            "last_entry": entry.pk,
        }
    ]
    assert held.pk < last_booking_on_full


def test_announce_retimed_names_zero_for_dates_nobody_booked_or_waits_on(
    django_assert_num_queries,
):
    slot = SlotFactory.create()

    with django_assert_num_queries(2):
        announce_retimed([slot.pk], was_starts_at={str(slot.pk): NOW.isoformat()})

    told = OutboxMessage.objects.filter(kind=events.RETIMED).values_list("payload", flat=True)
    assert list(told) == [
        {
            "slots": [slot.pk],
            "last_booking": 0,
            "last_entry": 0,
            "was_starts_at": {str(slot.pk): NOW.isoformat()},
        }
    ]
