"""Review of a reminder whose mail had not gone when its date began (session 24). The
reminder is a due row (bookings.remind), written into a mail (email.send, the urgent queue)
when it is due, a day before the start; that mail then waits for the urgent queue's workers
and the mail server like any other. When they were down past the start (urgent workers
stopped for a day while the default queue's ran; a long SMTP outage, in which a queued mail
is tried only now and then and so is not parked for days), it went once they were back: the
guest read "Reminder: Harbour walk is coming up", "a reminder: ... is coming up soon", about
a date that had begun or was over. The reminder's mail is now held to its news as the
"Booked" mail is held to its notice (effects.send_booking_mail, `until`): it goes while the
date has not begun, else it is skipped (its row done, nothing sent).

Real PostgreSQL, the outbox relay run as the workers would (urgent and default apart), a real
SMTP server (aiosmtpd); the reminder a day ahead, as configured, and the clock moved on to when
it is due and past the start (`clock`)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy

import pytest
from django.conf import settings
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import effects, services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import ListingFactory, SlotFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db
STARTS_IN = timedelta(days=2)
Clock = Callable[[datetime], None]


@pytest.fixture(autouse=True)
def _no_broker(nudges: list[str]) -> list[str]:
    """The relay's nudges recorded, not published: the test runs the relay itself."""
    return nudges


def _run(sink: SmtpSink, queue: str) -> None:
    emails._connections.discard()
    with sink.as_backend():
        relay.drain(queue=queue, budget=5)
    emails._connections.discard()


def _received(sink: SmtpSink) -> list[EmailMessage]:
    parser = BytesParser(policy=default_policy)
    return [parser.parsebytes(raw) for raw in sink.recorder.messages]


def _booked(guest: User, *, starts_in: timedelta) -> Booking:
    """A confirmed booking, its confirmation announced (the "Booked" mail sent, the reminder
    planned), on a date that starts `starts_in` from now."""
    start = timezone.now() + starts_in
    slot = SlotFactory.create(
        listing=ListingFactory.create(title="Harbour walk"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def _subjects(sink: SmtpSink, *, to: User) -> list[str]:
    """The subjects of the mail the server took for `to` (the host is told too)."""
    return [str(mail["Subject"]) for mail in _received(sink) if mail["To"] == to.email]


def test_a_reminder_whose_mail_had_not_gone_when_the_date_began_is_not_sent(
    guest: User, sink: SmtpSink, clock: Clock
) -> None:
    booking = _booked(guest, starts_in=STARTS_IN)
    _run(sink, "urgent")  # the confirmation announced: "Booked", the reminder planned
    (reminder,) = OutboxMessage.objects.filter(kind=effects.REMIND)
    assert reminder.due_at == booking.slot.starts_at - timedelta(
        hours=settings.BOOKINGS_REMINDER_HOURS
    )
    clock(reminder.due_at)
    _run(sink, "default")  # the reminder due: its mail written, the urgent workers down
    assert OutboxMessage.objects.filter(
        kind=emails.KIND, payload__template="booking_reminder", status="pending"
    ).exists()
    booking.refresh_from_db()
    clock(booking.slot.starts_at)  # the urgent workers back after the date began

    _run(sink, "urgent")

    assert _subjects(sink, to=guest) == [f"Booked: Harbour walk ({booking.reference})"]
    mail = OutboxMessage.objects.get(kind=emails.KIND, payload__template="booking_reminder")
    assert mail.status == OutboxMessage.Status.DONE


def test_a_reminder_whose_mail_goes_before_the_date_begins_is_sent(
    guest: User, sink: SmtpSink, clock: Clock
) -> None:
    booking = _booked(guest, starts_in=STARTS_IN)
    _run(sink, "urgent")
    (reminder,) = OutboxMessage.objects.filter(kind=effects.REMIND)
    clock(reminder.due_at)
    _run(sink, "default")

    _run(sink, "urgent")

    assert _subjects(sink, to=guest) == [
        f"Booked: Harbour walk ({booking.reference})",
        f"Reminder: Harbour walk is coming up ({booking.reference})",
    ]
