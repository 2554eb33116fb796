"""Review (session 15): the "Booked" mail of a date whose times move after the worker wrote it
and before it went (SMTP down, a busy worker). Its text was written when the worker announced
the booking and its invite rendered when it went: the guest read "Saturday, July 5, 10 a.m."
with an invite at noon, and then "New time: which was on 10 a.m.". What it says is now true when
it goes, text and invite alike. The real outbox relay delivers the rows, to a real SMTP server
(aiosmtpd) that is down while the date moves."""

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests.test_review_session14 import (
    _nudges,
    book,
    received_by,
    run_worker,
    sink,
    staff_client,
    text_of,
)
from outings.bookings.tests.test_review_session15_retime import later, sequence_of, start_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.models import Notification
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot

__all__ = ["_nudges", "sink", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db

TEN = "July 5, 2031, 10 a.m. EDT"


def toronto_date_booked(guest: User) -> tuple[Slot, Booking]:
    """A date at 10:00 to 11:30 in Toronto (Saturday, July 5, 2031), the guest reading in Berlin,
    confirmed; the worker has not announced it yet."""
    User.objects.filter(pk=guest.pk).update(time_zone="Europe/Berlin", preferred_language="en")
    guest.refresh_from_db()
    start = datetime(2031, 7, 5, 14, 0, tzinfo=UTC)
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(minutes=90))
    Listing.objects.filter(pk=slot.listing_id).update(time_zone="America/Toronto")
    return slot, book(guest, slot, now=timezone.now())


def announce_while_smtp_is_down(sink: SmtpSink) -> None:
    """The worker announces the confirmation and writes the "Booked" mail; SMTP refuses it, so
    it waits for its retry."""
    sink.stop()
    emails._connections.discard()
    relay.drain(queue="urgent", budget=5)
    booked = OutboxMessage.objects.get(kind=emails.KIND, payload__template="booking_confirmed")
    assert booked.status == OutboxMessage.Status.PENDING
    assert booked.last_error


def smtp_back(sink: SmtpSink) -> None:
    """The server is back and the waiting mail is due for its retry."""
    sink.start()
    emails._connections.discard()
    OutboxMessage.objects.filter(kind=emails.KIND, status=OutboxMessage.Status.PENDING).update(
        due_at=timezone.now()
    )


def handle_moves() -> None:
    """The default queue's worker (which tells guests of moved dates) runs; the urgent one,
    which sends mail, has not come yet."""
    relay.drain(queue="default", budget=50)


def subjects(sink: SmtpSink, guest: User) -> list[str]:
    return [mail["Subject"].split(":")[0] for mail in received_by(sink, guest)]


def booked_mail(sink: SmtpSink, user: User) -> EmailMessage:
    """The one "Booked" mail `user` received."""
    [mail] = [mail for mail in received_by(sink, user) if mail["Subject"].startswith("Booked: ")]
    return mail


def assert_booked_at_noon(mail: EmailMessage, booking: Booking) -> None:
    """Text and invite say noon; the invite's SEQUENCE is the booking's as it is."""
    assert start_of(mail) == "20310705T120000"
    text = text_of(mail)
    assert "July 5, 2031, noon EDT" in text
    assert "10 a.m." not in text
    booking.refresh_from_db()
    assert sequence_of(mail) == booking.version


@pytest.mark.parametrize("moves", [[2], [1, 1]], ids=["moved", "moved-twice"])
def test_a_booked_mail_that_had_not_gone_when_staff_moved_the_date_gives_the_new_time(
    guest: User, staff_client: Client, sink: SmtpSink, moves: list[int]
) -> None:
    """Bug: the guest read "10 a.m." in the text with an invite at noon, then "New time: which
    was on 10 a.m., now starts at noon". Now one mail, "Booked", at noon in text and invite: the
    first time the guest is told is the true one, and no move from a time they never read.
    Moved to 11 and then to noon, each move handled, before it went: the same one mail."""
    slot, booking = toronto_date_booked(guest)
    announce_while_smtp_is_down(sink)

    for hours in moves:
        later(staff_client, slot, hours)
        handle_moves()
    smtp_back(sink)
    run_worker()

    assert_booked_at_noon(booked_mail(sink, guest), booking)
    assert subjects(sink, guest) == ["Booked"]
    # The inbox keeps each move, as it came.
    notices = Notification.objects.filter(user=guest, kind="booking.retimed").order_by("id")
    assert [n.data["was_starts_at"][11:16] for n in notices] == ["14:00", "15:00"][: len(moves)]


def test_a_booked_mail_tried_again_before_the_move_was_handled_gives_the_new_time(
    guest: User, staff_client: Client, sink: SmtpSink
) -> None:
    """The mail's retry comes before the worker that handles moves: the mail written for 10
    a.m. is not sent at all; the move's handler writes it again at noon."""
    slot, booking = toronto_date_booked(guest)
    announce_while_smtp_is_down(sink)

    later(staff_client, slot, 2)
    smtp_back(sink)
    relay.drain(queue="urgent", budget=5)
    assert subjects(sink, guest) == []
    run_worker()

    assert_booked_at_noon(booked_mail(sink, guest), booking)
    assert subjects(sink, guest) == ["Booked"]


def test_a_move_after_the_booked_mail_went_is_told_from_the_time_it_gave(
    guest: User, staff_client: Client, sink: SmtpSink
) -> None:
    """Once "Booked" went at 10 a.m., a move is a mail of its own, from 10 a.m. to noon."""
    slot, _booking = toronto_date_booked(guest)
    run_worker()
    later(staff_client, slot, 2)
    run_worker()

    booked, moved = received_by(sink, guest)
    assert TEN in text_of(booked)
    assert start_of(booked) == "20310705T100000"
    assert f"which was on {TEN}" in text_of(moved)
    assert "now starts at July 5, 2031, noon EDT" in text_of(moved)
    assert sequence_of(booked) < sequence_of(moved)


def test_a_booked_mail_that_had_not_gone_when_the_guest_cancelled_is_not_sent(
    guest: User, sink: SmtpSink
) -> None:
    """Its text said "confirmed" and its invite, rendered when it went, was marked cancelled:
    the cancellation's mail, with that invite, is the one the guest reads."""
    _slot, booking = toronto_date_booked(guest)
    announce_while_smtp_is_down(sink)

    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())
    smtp_back(sink)
    run_worker()

    assert subjects(sink, guest) == ["Booking cancelled"]


def test_the_booked_mail_of_a_booking_handed_on_gives_the_time_true_when_it_goes(
    guest: User, staff_client: Client, sink: SmtpSink
) -> None:
    """The friend a booking was handed on to gets "Booked" too (and it is in their inbox); the
    date moved before that mail went: it gives the new time."""
    slot, booking = toronto_date_booked(guest)
    run_worker()
    friend = UserFactory.create(email="friend@example.org", preferred_language="en")
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email, now=timezone.now()
    )
    run_worker()  # the friend has the link
    sink.stop()
    emails._connections.discard()
    services.accept_transfer(user=friend, secret=secret, now=timezone.now())
    relay.drain(queue="urgent", budget=5)

    later(staff_client, slot, 2)
    handle_moves()
    smtp_back(sink)
    run_worker()

    assert_booked_at_noon(booked_mail(sink, friend), booking)
    assert "New time" not in subjects(sink, friend)
    assert Notification.objects.filter(user=friend, kind="booking.confirmed").count() == 1
