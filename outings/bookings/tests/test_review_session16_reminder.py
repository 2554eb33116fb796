"""Review (session 16): the reminder mail of a date whose times move, or whose booking ends,
after its due row wrote it and before it went (SMTP down, a busy worker). Its text was written
when the row was handled and its invite rendered when it went: the guest read "coming up: July
5, 10 a.m." with an invite at noon, after "New time: now starts at noon". It is now held to the
booking as it wrote it, as the "Booked" mail is (session 15), and a date moved gets its reminder
a day before the new start. The real outbox relay delivers the rows, to a real SMTP server
(aiosmtpd) that is down while the date moves."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.effects import REMIND
from outings.bookings.models import Booking
from outings.bookings.tests import test_review_session14 as session14
from outings.bookings.tests.test_review_session14 import _nudges, sink, staff_client
from outings.bookings.tests.test_review_session15_booked import handle_moves, smtp_back, subjects
from outings.bookings.tests.test_review_session15_retime import later, sequence_of, start_of
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot

__all__ = ["_nudges", "sink", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db


def reminders_due() -> None:
    """The reminders' due rows come due (a day before the starts they name)."""
    OutboxMessage.objects.filter(kind=REMIND, status=OutboxMessage.Status.PENDING).update(
        due_at=timezone.now()
    )


def remind_while_smtp_is_down(sink: SmtpSink) -> None:
    """The date of a booked and announced guest (10:00, Toronto) is a day away: the worker
    handles its reminder's row and writes the mail; SMTP refuses it, so it waits for its
    retry."""
    reminders_due()
    sink.stop()
    emails._connections.discard()
    relay.drain(queue="default", budget=5)
    relay.drain(queue="urgent", budget=5)
    mail = OutboxMessage.objects.get(kind=emails.KIND, payload__template="booking_reminder")
    assert mail.status == OutboxMessage.Status.PENDING
    assert mail.last_error


@pytest.fixture
def booked(guest: User, sink: SmtpSink) -> tuple[Slot, Booking]:
    """Booked and announced: the guest has their "Booked" mail, and a reminder is planned."""
    slot, booking = session14.toronto_date(guest)
    assert subjects(sink, guest) == ["Booked"]
    return slot, booking


def test_a_reminder_that_had_not_gone_when_staff_moved_the_date_is_not_sent_at_the_old_time(
    guest: User, staff_client: Client, sink: SmtpSink, booked: tuple[Slot, Booking]
) -> None:
    """Bug: after "New time: … now starts at noon" came "a reminder: … is coming up" with "July
    5, 2031, 10 a.m." in its text and an invite at noon. Now the reminder written for 10 a.m.
    is not sent; the move planned one a day before noon, which says noon, text and invite."""
    slot, booking = booked
    remind_while_smtp_is_down(sink)

    later(staff_client, slot, 2)
    handle_moves()
    smtp_back(sink)
    session14.run_worker()

    assert subjects(sink, guest) == ["Booked", "New time"]
    new = OutboxMessage.objects.get(kind=REMIND, status=OutboxMessage.Status.PENDING)
    slot.refresh_from_db()
    assert new.due_at == slot.starts_at - timedelta(hours=24)

    reminders_due()
    session14.run_worker()

    assert subjects(sink, guest) == ["Booked", "New time", "Reminder"]
    reminder = session14.received_by(sink, guest)[-1]
    assert "July 5, 2031, noon EDT" in session14.text_of(reminder)
    assert "10 a.m." not in session14.text_of(reminder)
    assert start_of(reminder) == "20310705T120000"
    booking.refresh_from_db()
    assert sequence_of(reminder) == booking.version


def test_a_reminder_tried_again_before_the_move_was_handled_is_not_sent_at_the_old_time(
    guest: User, staff_client: Client, sink: SmtpSink, booked: tuple[Slot, Booking]
) -> None:
    """The mail's retry comes before the worker that handles moves: the reminder written for
    10 a.m. is not sent (its date no longer starts then); the move's mail follows, and the
    reminder a day before noon."""
    slot, _booking = booked
    remind_while_smtp_is_down(sink)

    later(staff_client, slot, 2)
    smtp_back(sink)
    relay.drain(queue="urgent", budget=5)
    assert subjects(sink, guest) == ["Booked"]
    session14.run_worker()
    reminders_due()
    session14.run_worker()

    assert subjects(sink, guest) == ["Booked", "New time", "Reminder"]
    assert "July 5, 2031, noon EDT" in session14.text_of(session14.received_by(sink, guest)[-1])


def test_a_reminder_that_had_not_gone_when_the_guest_cancelled_is_not_sent(
    guest: User, sink: SmtpSink, booked: tuple[Slot, Booking]
) -> None:
    """Bug: "Booking cancelled" and then "a reminder: … is coming up", with an invite marked
    cancelled. The cancellation's mail is the last word."""
    _slot, booking = booked
    remind_while_smtp_is_down(sink)

    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())
    smtp_back(sink)
    session14.run_worker()

    assert subjects(sink, guest) == ["Booked", "Booking cancelled"]


def test_a_reminder_goes_when_nothing_changed(
    guest: User, sink: SmtpSink, booked: tuple[Slot, Booking]
) -> None:
    """SMTP down when it was written, back later: the reminder goes, at 10 a.m."""
    remind_while_smtp_is_down(sink)
    smtp_back(sink)
    session14.run_worker()

    assert subjects(sink, guest) == ["Booked", "Reminder"]
    reminder = session14.received_by(sink, guest)[-1]
    assert "July 5, 2031, 10 a.m. EDT" in session14.text_of(reminder)
    assert start_of(reminder) == "20310705T100000"


def handed_on_while_the_reminder_waits(guest: User, booking: Booking, sink: SmtpSink) -> User:
    """The guest offers the booking to a friend (reading in Toronto); its reminder is written
    for the guest and waits (SMTP down); the friend accepts; SMTP is back and the workers run.
    The friend."""
    friend = UserFactory.create(
        email="friend@example.org", preferred_language="en", time_zone="America/Toronto"
    )
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email, now=timezone.now()
    )
    session14.run_worker()
    remind_while_smtp_is_down(sink)

    services.accept_transfer(user=friend, secret=secret, now=timezone.now())
    smtp_back(sink)
    session14.run_worker()
    return friend


def test_a_reminder_that_had_not_gone_when_the_booking_was_handed_on_is_not_sent(
    guest: User, sink: SmtpSink, booked: tuple[Slot, Booking]
) -> None:
    """The reminder written for the guest went after the transfer's mail told them the booking
    is no longer theirs (its invite, rendered then, the event withdrawn from their calendar)."""
    _slot, booking = booked

    handed_on_while_the_reminder_waits(guest, booking, sink)

    assert subjects(sink, guest) == ["Booked", "Booking transferred"]


def test_whoever_a_booking_is_handed_on_to_after_its_reminder_was_written_gets_booked_not_more(
    guest: User, sink: SmtpSink, booked: tuple[Slot, Booking]
) -> None:
    """Not a defect, pinned: the reminder skipped above leaves its new holder no reminder, and
    needs none. The reminder is written at its due time, a day before the start, so a transfer
    accepted after it was written is accepted within that day, and its new holder's "Booked"
    mail (with the invite, at the time true when it goes) comes within that day too: as for a
    booking made less than a day ahead (effects.plan_reminder), that mail is the reminder, and a
    "coming up soon" right after it would say the same again."""
    _slot, booking = booked

    friend = handed_on_while_the_reminder_waits(guest, booking, sink)

    offer, mail = session14.received_by(sink, friend)
    assert offer["Subject"].startswith("Ada Lovelace offers you a booking: ")
    assert mail["Subject"].startswith("Booked: ")
    assert "July 5, 2031, 10 a.m. EDT" in session14.text_of(mail)
    assert start_of(mail) == "20310705T100000"
    assert not OutboxMessage.objects.filter(
        kind=REMIND, status=OutboxMessage.Status.PENDING
    ).exists()
