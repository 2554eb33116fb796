"""Review (session 16): staff move a date between a guest's confirmation and the worker's
announcement of it (the urgent queue busy, or the default queue, which tells guests of moves,
faster). The guest's first mail about the booking must give the time true when it goes, and no
mail may tell them of a move from a time they never read. The real outbox relay delivers the
rows, in each order the two workers can take them, to a real SMTP server (aiosmtpd)."""

from collections.abc import Callable

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.bookings.tests import test_review_session14 as session14
from outings.bookings.tests.test_review_session14 import _nudges, sink, staff_client
from outings.bookings.tests.test_review_session15_booked import (
    booked_mail,
    subjects,
    toronto_date_booked,
)
from outings.bookings.tests.test_review_session15_retime import later, sequence_of, start_of
from outings.common.outbox import relay
from outings.notifications.models import Notification
from outings.notifications.tests.smtp_sink import SmtpSink

__all__ = ["_nudges", "sink", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db


def announcements_first() -> None:
    """The urgent worker (announcements, mail) goes through everything it has, then the default
    one (moves) comes, then both go on."""
    relay.drain(queue="urgent", budget=50)
    relay.drain(queue="default", budget=50)
    session14.run_worker()


def moves_first() -> None:
    relay.drain(queue="default", budget=50)
    session14.run_worker()


@pytest.mark.parametrize(
    "workers", [announcements_first, moves_first], ids=["announced-first", "move-first"]
)
def test_a_date_moved_before_the_confirmation_was_announced_is_one_booked_mail_at_the_new_time(
    guest: User, staff_client: Client, sink: SmtpSink, workers: Callable[[], None]
) -> None:
    """The guest confirmed at 10 a.m.; staff moved the date to noon before the worker announced
    it. Whichever worker comes first, the guest's mailbox has one mail, "Booked", at noon (text
    and invite): no "New time" from 10 a.m., which no mail had given them, before or after it.
    The move's notice is in their inbox."""
    slot, booking = toronto_date_booked(guest)

    later(staff_client, slot, 2)
    workers()

    assert subjects(sink, guest) == ["Booked"]
    mail = booked_mail(sink, guest)
    assert start_of(mail) == "20310705T120000"
    assert "July 5, 2031, noon EDT" in session14.text_of(mail)
    assert "10 a.m." not in session14.text_of(mail)
    # Its event is the booking's at that time: the next mail's comes later (a higher SEQUENCE).
    booking.refresh_from_db()
    assert sequence_of(mail) <= booking.version
    assert Notification.objects.filter(user=guest, kind="booking.retimed").count() == 1
    assert Notification.objects.filter(user=guest, kind="booking.confirmed").count() == 1


def test_a_move_after_the_announcement_of_a_booking_confirmed_before_an_earlier_move_is_told(
    guest: User, staff_client: Client, sink: SmtpSink
) -> None:
    """Moved to 11 before the announcement ("Booked" at 11 goes), then to noon: one "New time",
    from 11 a.m., the time the guest read."""
    slot, _booking = toronto_date_booked(guest)
    later(staff_client, slot, 1)
    session14.run_worker()
    later(staff_client, slot, 1)
    session14.run_worker()

    assert subjects(sink, guest) == ["Booked", "New time"]
    booked, moved = session14.received_by(sink, guest)
    assert "July 5, 2031, 11 a.m. EDT" in session14.text_of(booked)
    assert sequence_of(moved) > sequence_of(booked)
    assert "which was on July 5, 2031, 11 a.m. EDT" in session14.text_of(moved)
    assert "now starts at July 5, 2031, noon EDT" in session14.text_of(moved)
