"""Review (session 15): staff move a booked date twice in a row (the slot admin). What the guest's
mailbox then says: never a time that is no longer true when the mail goes, one mail for moves it
had not been told of yet, and calendar invites whose SEQUENCE only goes up. The real outbox
relay delivers the rows, to a real SMTP server (aiosmtpd), in the order a worker would."""

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests.test_review_session14 import (
    _nudges,
    move_in_admin,
    received_by,
    run_worker,
    sink,
    staff_client,
    text_of,
    toronto_date,
)
from outings.common.outbox import relay
from outings.notifications.models import Notification
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot

__all__ = ["_nudges", "sink", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db


def invite_of(mail: EmailMessage) -> str:
    [part] = [part for part in mail.walk() if part.get_content_type() == "text/calendar"]
    return str(part.get_content())


def sequence_of(mail: EmailMessage) -> int:
    [sequence] = re.findall(r"^SEQUENCE:(\d+)", invite_of(mail), re.MULTILINE)
    return int(sequence)


def start_of(mail: EmailMessage) -> str:
    [start] = re.findall(r"^DTSTART;TZID=America/Toronto:(\S+)", invite_of(mail), re.MULTILINE)
    return str(start)


def later(client: Client, slot: Slot, hours: int) -> None:
    """Staff move the date `hours` later than it is now (it keeps its length)."""
    slot.refresh_from_db()
    move_in_admin(
        client,
        slot,
        starts_at=slot.starts_at + timedelta(hours=hours),
        ends_at=slot.ends_at + timedelta(hours=hours),
    )


def handle_moves() -> None:
    """The default queue's worker (which tells guests of moved dates) runs; the urgent one,
    which sends mail, has not come yet (busy, or the SMTP server is down)."""
    relay.drain(queue="default", budget=50)


@pytest.fixture
def booked(guest: User, sink: SmtpSink) -> tuple[Slot, EmailMessage]:
    """A date at 10:00 in Toronto, booked and announced: the guest has its "Booked" mail."""
    slot, _booking = toronto_date(guest)
    [confirmation] = received_by(sink, guest)
    assert confirmation["Subject"].startswith("Booked: ")
    return slot, confirmation


def moves_told(sink: SmtpSink, guest: User) -> list[EmailMessage]:
    return [mail for mail in received_by(sink, guest) if mail["Subject"].startswith("New time: ")]


def assert_told_once_from_ten_to_noon(
    sink: SmtpSink, guest: User, confirmation: EmailMessage
) -> None:
    """One mail about the moves: from 10 a.m. (the time the guest knew) to noon, nothing of 11,
    its invite at noon with a higher SEQUENCE than the confirmation's."""
    [mail] = moves_told(sink, guest)
    text = text_of(mail)
    assert "which was on July 5, 2031, 10 a.m. EDT" in text
    assert "now starts at July 5, 2031, noon EDT" in text
    assert "11 a.m." not in text
    assert start_of(mail) == "20310705T120000"
    assert sequence_of(mail) > sequence_of(confirmation)


def test_a_move_whose_mail_had_not_gone_when_staff_moved_the_date_again_is_one_mail(
    guest, staff_client, sink, booked
):
    """Bug: staff moved the date from 10:00 to 11:00 and, before the mail about it went, on to
    noon. The guest got two mails: the first said "now starts at 11 a.m." with an invite at
    noon (the invite is rendered when it goes, the text was not), the second "which was on
    11 a.m." (a time the guest had never been told), with the same SEQUENCE. Now: one mail,
    from 10 a.m. to noon, its invite at noon with a higher SEQUENCE than the confirmation's."""
    slot, confirmation = booked

    later(staff_client, slot, 1)
    handle_moves()
    later(staff_client, slot, 1)
    run_worker()

    assert_told_once_from_ten_to_noon(sink, guest, confirmation)
    # The inbox keeps each notice as it came: 10 to 11, then 11 to noon.
    notices = Notification.objects.filter(user=guest, kind="booking.retimed").order_by("id")
    assert [n.data["was_starts_at"][11:16] for n in notices] == ["14:00", "15:00"]


def test_two_moves_before_the_worker_came_are_one_mail(guest, staff_client, sink, booked):
    """Both moves were saved before any worker ran: the guest got "which was on 10 a.m." and
    then "which was on 11 a.m.", both at noon, both with the same SEQUENCE."""
    slot, confirmation = booked

    later(staff_client, slot, 1)
    later(staff_client, slot, 1)
    run_worker()

    assert_told_once_from_ten_to_noon(sink, guest, confirmation)


def test_a_move_told_before_the_next_is_followed_by_a_mail_from_where_it_was(
    guest, staff_client, sink, booked
):
    """The mail about the first move went before staff moved the date again: two mails, each
    true when it went, the second from the time the first gave; SEQUENCE goes up each time."""
    slot, confirmation = booked

    later(staff_client, slot, 1)
    run_worker()
    later(staff_client, slot, 1)
    run_worker()

    first, second = moves_told(sink, guest)
    assert "which was on July 5, 2031, 10 a.m. EDT" in text_of(first)
    assert "now starts at July 5, 2031, 11 a.m. EDT" in text_of(first)
    assert start_of(first) == "20310705T110000"
    assert "which was on July 5, 2031, 11 a.m. EDT" in text_of(second)
    assert "now starts at July 5, 2031, noon EDT" in text_of(second)
    assert start_of(second) == "20310705T120000"
    assert sequence_of(confirmation) < sequence_of(first) < sequence_of(second)


def test_three_moves_the_guest_was_told_none_of_are_one_mail(guest, staff_client, sink, booked):
    slot, _confirmation = booked

    for _move in range(3):
        later(staff_client, slot, 1)
        handle_moves()
    run_worker()

    [mail] = moves_told(sink, guest)
    assert "which was on July 5, 2031, 10 a.m. EDT" in text_of(mail)
    assert "now starts at July 5, 2031, 1 p.m. EDT" in text_of(mail)


def test_a_move_whose_mail_had_not_gone_when_the_booking_was_cancelled_is_not_mailed(
    guest, staff_client, sink, booked
):
    """The guest cancels before the mail about a move went: they hear of the cancellation (its
    invite takes the date out of their calendar), not of a new time for a date they left."""
    slot, _confirmation = booked
    booking = Booking.objects.get(guest=guest)

    later(staff_client, slot, 1)
    handle_moves()
    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())
    run_worker()

    subjects = [mail["Subject"].split(":")[0] for mail in received_by(sink, guest)]
    assert subjects == ["Booked", "Booking cancelled"]
