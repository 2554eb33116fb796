"""Session 16's mutation audit of the bookings' due rows (outbox rows with a due time): each test
names the one-line change that used to pass the quick tests."""

from datetime import timedelta

import pytest

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests.conftest import NOW
from outings.common.models import OutboxMessage
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def reminders() -> int:
    return OutboxMessage.objects.filter(
        kind="email.send", payload__template="booking_reminder"
    ).count()


def test_a_reminder_reached_after_its_date_began_sends_nothing(guest: User, slot: Slot) -> None:
    """A reminder that a worker reaches only after its date began (the workers were down, a
    backlog ran late): a "coming up soon" mail about a date under way (or over) is wrong news,
    so the due row is done with nothing sent. A minute before the start it still goes.
    Dropping the "has not begun" condition of `remind_guest` passed the whole suite.
    (Session 17: announced first, which plans the reminder, as for every reminder's row: one
    goes only for the start it was planned for, once.)"""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=NOW)
    assert services.announce_confirmation(booking_id=booking.pk, guest=guest, at=NOW)
    start = slot.starts_at

    late = services.remind_guest(
        booking_id=booking.pk, planned=start, now=start + timedelta(minutes=1)
    )
    at_start = services.remind_guest(booking_id=booking.pk, planned=start, now=start)

    assert (late, at_start, reminders()) == (False, False, 0)
    assert services.remind_guest(
        booking_id=booking.pk, planned=start, now=start - timedelta(minutes=1)
    )
    assert reminders() == 1


def test_a_lapse_row_that_runs_before_its_holds_time_leaves_the_hold_alone(
    guest: User, slot: Slot
) -> None:
    """A hold's `bookings.expire` row can run before the hold's time: a waiting-list offer taken
    as a request lapses later than the row written for the offer, and a later row is written
    for it. The early row must leave the booking and its seats alone. Dropping the time
    condition of `expire_booking` was caught only by the Hypothesis state machine, after
    minutes; this pins it directly."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert held.expires_at is not None

    early = services.expire_booking(booking_id=held.pk, now=held.expires_at - timedelta(seconds=1))

    held.refresh_from_db()
    slot.refresh_from_db()
    assert (early, held.status, slot.seats_taken) == (False, Booking.Status.HELD, 2)
    assert services.expire_booking(booking_id=held.pk, now=held.expires_at)
    held.refresh_from_db()
    slot.refresh_from_db()
    assert (held.status, slot.seats_taken) == (Booking.Status.EXPIRED, 0)
