"""Review (session 17): staff move a date's start earlier than the deadline of a hold or a request
on it. A hold or request made now lapses at the start at the latest (holds._lapses_at); one
made before the move kept its deadline past the new start: confirming it and accepting it were
refused once the date began, but it showed as held or requested, its seats taken, until the
sweep reached its old deadline. It now lapses at the new start: the move brings its deadline
there, with a due row to end it then. Personas come from conftest.py."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.effects import EXPIRE
from outings.bookings.models import Booking
from outings.bookings.selectors import with_seats_left
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_races_session16_seats import _nudges, staff_client
from outings.bookings.tests.test_review_session13_announcements import move_in_admin
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.common.models import OutboxMessage
from outings.common.tests.connections import other_connection
from outings.scheduling.models import Slot

__all__ = ["_nudges", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db


def expiry_due(booking: Booking) -> list[datetime]:
    rows = OutboxMessage.objects.filter(kind=EXPIRE, payload__booking=booking.pk)
    return list(rows.order_by("due_at").values_list("due_at", flat=True))


def seats_left(slot: Slot, *, now: datetime) -> int:
    return with_seats_left(Slot.objects.filter(pk=slot.pk), now=now).get().seats_left


@pytest.mark.parametrize(
    ("instant", "deadline", "new_start", "lapsed"),
    [
        # A holds 2 seats at NOW (10 minutes); the start is corrected to NOW + 4 minutes.
        (True, timedelta(minutes=10), timedelta(minutes=4), Booking.Status.EXPIRED),
        # A asks for 2 seats (the host has a day); the start is corrected to NOW + 3 hours.
        (False, timedelta(hours=24), timedelta(hours=3), Booking.Status.DECLINED),
    ],
)
def test_a_hold_or_request_lapses_at_its_dates_start_when_staff_move_it_before_its_deadline(
    guest: User,
    listing: Listing,
    staff_client: Client,
    instant: bool,
    deadline: timedelta,
    new_start: timedelta,
    lapsed: str,
) -> None:
    """From the new start the hold (request) is expired (declined) for every reader, its seats
    free, and a due row ends it then."""
    Listing.objects.filter(pk=listing.pk).update(instant_booking=instant)
    slot = SlotFactory.create(listing=listing, capacity=10, starts_at=NOW + timedelta(days=3))
    pending = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert pending.expires_at == NOW + deadline

    move_in_admin(staff_client, slot, starts_at=NOW + new_start)

    pending.refresh_from_db()
    assert pending.expires_at == NOW + new_start
    assert pending.status_at(NOW + new_start - timedelta(seconds=1)) == pending.status
    assert pending.status_at(NOW + new_start) == lapsed
    assert seats_left(slot, now=NOW + new_start) == 10
    assert expiry_due(pending) == [NOW + new_start, NOW + deadline]


def test_a_hold_whose_deadline_comes_before_the_new_start_keeps_it(
    guest: User, slot: Slot, staff_client: Client
) -> None:
    """Pinned: a start moved earlier but still after the deadline changes nothing of the hold."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)

    move_in_admin(staff_client, slot, starts_at=NOW + timedelta(hours=1))

    held.refresh_from_db()
    assert held.expires_at == NOW + timedelta(minutes=10)
    assert expiry_due(held) == [NOW + timedelta(minutes=10)]


@pytest.mark.django_db(transaction=True)
def test_a_hold_being_changed_during_the_move_is_skipped_then_brought_in_line_by_its_handler(
    guest: User, slot: Slot, staff_client: Client
) -> None:
    """The move holds the date's row lock; bookings come before the date in the lock order, so
    a hold another transaction holds at that moment (a confirm waiting for the date's key
    share) is skipped, not waited for: waiting would deadlock. Here another session holds the
    hold's row; the move must not wait (lock_timeout would fail it). The move's handler
    (retime_bookings) then brings the hold's deadline to the new start."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    new_start = NOW + timedelta(minutes=4)

    other = other_connection()
    try:
        other.execute("SELECT id FROM bookings_booking WHERE id = %s FOR UPDATE", [held.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # this session's: the move's
        move_in_admin(staff_client, slot, starts_at=new_start)
        held.refresh_from_db()
        assert held.expires_at == NOW + timedelta(minutes=10)
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    services.retime_bookings(slot_ids=[slot.pk], now=NOW)

    held.refresh_from_db()
    assert held.expires_at == new_start
    assert expiry_due(held) == [new_start, NOW + timedelta(minutes=10)]
