"""Session 16's mutation audit of the reminders' due rows: a reminder that a worker reaches only
after its date began (the workers were down, a backlog ran late) says nothing. Dropping the
"has not begun" condition of `remind_guest` passed the whole suite."""

from datetime import timedelta

import pytest

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.tests.conftest import NOW
from outings.common.models import OutboxMessage
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def reminders() -> int:
    return OutboxMessage.objects.filter(
        kind="email.send", payload__template="booking_reminder"
    ).count()


def test_a_reminder_reached_after_its_date_began_sends_nothing(guest: User, slot: Slot) -> None:
    """A "coming up soon" mail about a date that has begun (or is over) is wrong news; the due
    row is done with nothing sent. A minute before the start it still goes."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=NOW)
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
