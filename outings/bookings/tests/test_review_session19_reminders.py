"""Review (session 19): a reminder planned by the code from before `bookings.0007` (the due row
only, nothing on the booking) after `bookings.0009` ran. That happens on a rolling deploy from a
release before 0007 to one after 0009: the first process of the new release applies 0007 to
0010 as it starts, and the old release's workers run on until they are replaced, announcing
confirmations and planning reminders the old way. An empty `reminder_for` meant "written" too
(remind_guest clears it), so those rows were skipped: no reminder. `Booking.reminded_for`
(`bookings.0011`) now names the start whose reminder was written, and a row for a start with
nothing planned goes unless that start's was written. Helpers and personas from
test_review_session18_reminders.py and conftest.py."""

import pytest

from outings.accounts.models import User
from outings.bookings import handlers
from outings.bookings.models import Booking
from outings.bookings.tests.test_review_session18_reminders import (
    _back_to_latest,
    booked,
    migrate,
    planned_the_old_way,
    reminders_written,
)
from outings.common.models import OutboxMessage

__all__ = ["_back_to_latest", "booked"]  # fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reminder_the_old_code_planned_after_0009_ran_is_sent_once(
    guest: User, booked: Booking
) -> None:
    migrate()
    row = planned_the_old_way(booked)
    assert Booking.objects.values_list("reminder_for", flat=True).get(pk=booked.pk) is None

    handlers.remind(row)
    handlers.remind(row)  # delivered twice (acks_late): written once

    assert reminders_written(guest) == 1
    assert Booking.objects.values_list("reminder_for", "reminded_for").get(pk=booked.pk) == (
        None,
        booked.slot.starts_at,
    )


def test_a_second_old_row_for_a_start_whose_reminder_went_is_skipped(
    guest: User, booked: Booking
) -> None:
    """Two rows for one start (the old code planned it twice, or a date moved away and back):
    the first written, the second writes nothing."""
    first = planned_the_old_way(booked)
    handlers.remind(first)
    OutboxMessage.objects.filter(pk=first.pk).update(status=OutboxMessage.Status.DONE)
    second = planned_the_old_way(booked)

    handlers.remind(second)

    assert reminders_written(guest) == 1


def test_0011_keeps_skipped_a_row_for_a_start_whose_reminder_went_before_it_ran(
    guest: User, booked: Booking
) -> None:
    """A reminder written by the code before 0011 (which cleared `reminder_for` and recorded
    nothing else: here the column is dropped and made again) and a second row for the same
    start, due with it: 0011 takes the start of the delivered row as the one whose reminder
    went, so the second is not taken for one the old code planned."""
    row = planned_the_old_way(booked)
    Booking.objects.filter(pk=booked.pk).update(reminder_for=row.payload["starts_at"])
    handlers.remind(row)
    OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxMessage.Status.DONE)
    again = planned_the_old_way(booked)
    migrate("0010_admin_reason_in_notices")
    migrate()

    handlers.remind(again)

    assert reminders_written(guest) == 1
