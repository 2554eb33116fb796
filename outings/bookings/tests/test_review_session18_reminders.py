"""Review (session 18): reminders planned by the code from before `bookings.0007`, which wrote
the due row (`bookings.remind`, payload: the booking and the start it is for) and nothing on the
booking. 0007 added `Booking.reminder_for` and filled it from the rows already planned; since
session 17 the reminder goes only if `reminder_for` names the row's start (it is cleared once
written, so that a second row for the same start writes nothing). A row the old code planned
after 0007's fill (a release's workers run on while the next release migrates: every process
migrates as it starts, docs/architecture.md) found `reminder_for` empty and was skipped: the
guest got no reminder. `bookings.0009` fills it for those rows. Each test moves the bookings
app's schema back and forth with Django's migration executor, on a real database."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import handlers
from outings.bookings.effects import REMIND
from outings.bookings.models import Booking
from outings.bookings.tests.test_review_session14 import book
from outings.catalog.tests.factories import SlotFactory
from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.notifications import emails
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db(transaction=True)

FILLED = "0009_reminders_planned_before_0007"


def migrate(target: str | None = None) -> None:
    """Move the bookings app's schema to `target` (back or forward), as `migrate` does; by
    default every app to its last migration: going back also unapplies the other apps'
    migrations that depend on the bookings ones undone (notifications.0012 on bookings.0008),
    and only the bookings app's last left them unapplied for every later test (a command's
    migration check then refused to run: session 24's CI)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    if target is None:
        executor.migrate(executor.loader.graph.leaf_nodes())
        return
    executor.migrate([("bookings", target)])


@pytest.fixture(autouse=True)
def _back_to_latest() -> Iterator[None]:
    yield
    migrate()


@pytest.fixture
def booked(guest: User) -> Booking:
    """A's booking, confirmed, on a date two weeks away; its confirmation not announced yet
    (the announcement is what planned the reminder, and here the old code does it)."""
    slot = SlotFactory.create(starts_at=timezone.now() + timedelta(days=14))
    return book(guest, slot, now=timezone.now())


def planned_the_old_way(booking: Booking, *, due_at: datetime | None = None) -> OutboxMessage:
    """The reminder's due row as the code before 0007 wrote it when it announced a confirmation
    (effects.announce_confirmed at a7b35de..8d3c8ac^): the row only, nothing on the booking. Due
    a day before the start, or at `due_at`."""
    starts_at = Slot.objects.values_list("starts_at", flat=True).get(pk=booking.slot_id)
    return outbox.enqueue(
        kind=REMIND,
        payload={"booking": booking.pk, "starts_at": starts_at.isoformat()},
        due_at=due_at or starts_at - timedelta(hours=24),
    )


def reminders_written(guest: User) -> int:
    return OutboxMessage.objects.filter(
        kind=emails.KIND, payload__to=guest.email, payload__template="booking_reminder"
    ).count()


def test_a_reminder_planned_before_0007_is_sent(guest: User, booked: Booking) -> None:
    """Pinned: a row the old code planned before 0007 ran is picked up by 0007's fill."""
    migrate("0006_booking_told_on_at")
    row = planned_the_old_way(booked)
    migrate(FILLED)
    migrate()  # and on: the code under test reads bookings.0011's column

    handlers.remind(row)

    assert reminders_written(guest) == 1


def test_a_reminder_the_old_code_planned_after_0007_ran_is_sent(
    guest: User, booked: Booking
) -> None:
    """A worker of the release before 0007 announces A's confirmation after the next release
    migrated: its row names the start, and the booking's `reminder_for` is empty. It was
    skipped (no reminder at all); 0009 picks it up, and it goes once."""
    row = planned_the_old_way(booked)
    assert Booking.objects.values_list("reminder_for", flat=True).get(pk=booked.pk) is None
    migrate("0008_admin_reason_as_msgid")
    migrate(FILLED)
    migrate()  # and on: the code under test reads bookings.0011's column

    handlers.remind(row)
    handlers.remind(row)  # delivered twice (acks_late): written once

    assert reminders_written(guest) == 1


def test_a_reminder_row_of_a_start_whose_reminder_went_stays_skipped(
    guest: User, booked: Booking
) -> None:
    """Pinned: a date moved away and back has two rows for its start; the first written clears
    `reminder_for`. The second, already due when 0009 runs, is not taken for an old one."""
    row = planned_the_old_way(booked)
    Booking.objects.filter(pk=booked.pk).update(reminder_for=row.payload["starts_at"])
    handlers.remind(row)
    OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxMessage.Status.DONE)  # the relay's
    assert reminders_written(guest) == 1
    again = planned_the_old_way(booked, due_at=timezone.now() - timedelta(minutes=1))
    migrate("0008_admin_reason_as_msgid")
    migrate(FILLED)
    migrate()  # and on: the code under test reads bookings.0011's column

    handlers.remind(again)

    assert reminders_written(guest) == 1
