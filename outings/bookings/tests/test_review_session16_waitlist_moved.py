"""Review (session 16): whoever waits for a seat on a date whose times move. Staff correcting
the date's times in the admin, or its host a new duration, told its booked guests and holders
of seats, and nobody on its waiting list: they went on waiting for seats at a time they had not
asked for, and an offer later came at a time they had never been told of. They are now told
that the date moved, from where to where, and that they keep their place (they may leave the
list from their bookings), in the move's handler's transaction. The real outbox relay delivers
the rows, to a real SMTP server (aiosmtpd)."""

from email.message import EmailMessage

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests import test_review_session14 as session14
from outings.bookings.tests.test_review_session12 import lengthen
from outings.bookings.tests.test_review_session14 import _nudges, sink, staff_client
from outings.bookings.tests.test_review_session15_retime import handle_moves, later
from outings.catalog import services as catalog_services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import UserFactory
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot

__all__ = ["_nudges", "sink", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(guest: User, sink: SmtpSink) -> tuple[Slot, User, WaitlistEntry]:
    """The Toronto date (July 5, 2031, 10 to 11:30 a.m.) full with the guest's booking; a second
    guest, reading in Toronto, waits for a seat on it."""
    slot, _booking = session14.toronto_date(guest)
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    waiter = UserFactory.create(
        email="waiter@example.org", preferred_language="en", time_zone="America/Toronto"
    )
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=1, now=timezone.now())
    return slot, waiter, entry


def moves_told(sink: SmtpSink, user: User) -> list[EmailMessage]:
    return [
        mail
        for mail in session14.received_by(sink, user)
        if str(mail["Subject"]).startswith("New time for a date you wait for: ")
    ]


def test_staff_moving_a_date_tell_whoever_waits_for_a_seat_on_it(
    staff_client: Client, sink: SmtpSink, waiting: tuple[Slot, User, WaitlistEntry]
) -> None:
    """Bug: nothing; the guest waited on for seats at noon, having asked for 10 a.m."""
    slot, waiter, entry = waiting

    later(staff_client, slot, 2)
    session14.run_worker()

    [mail] = moves_told(sink, waiter)
    text = session14.text_of(mail)
    assert (
        f"“{slot.listing.title}”, which was on July 5, 2031, 10 a.m. EDT, now starts at July 5, "
        "2031, noon EDT and ends at July 5, 2031, 1:30 p.m. EDT; you keep your place on its "
        "waiting list" in text
    )
    assert reverse("bookings:mine") in text
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING


def test_a_waiting_guest_reads_the_move_in_german(
    staff_client: Client, sink: SmtpSink, waiting: tuple[Slot, User, WaitlistEntry]
) -> None:
    slot, waiter, _entry = waiting
    User.objects.filter(pk=waiter.pk).update(preferred_language="de")

    later(staff_client, slot, 2)
    session14.run_worker()

    [mail] = session14.received_by(sink, waiter)
    # Folded before its first encoded word (the standard library's compat32 folding): the
    # parsed value starts with the fold's space.
    assert str(mail["Subject"]).strip() == (
        f"Neue Zeit für einen Termin, auf den du wartest: {slot.listing.title}"
    )
    assert "du behältst deinen Platz auf der Warteliste" in session14.text_of(mail)


def test_two_moves_before_the_mail_went_are_one_mail_from_the_time_the_guest_knew(
    staff_client: Client, sink: SmtpSink, waiting: tuple[Slot, User, WaitlistEntry]
) -> None:
    """Staff move the date to 11 a.m. and, before that mail went, on to noon: one mail, from
    10 a.m. (what the guest knew) to noon; the inbox keeps both moves."""
    slot, waiter, _entry = waiting

    later(staff_client, slot, 1)
    handle_moves()
    later(staff_client, slot, 1)
    session14.run_worker()

    [mail] = moves_told(sink, waiter)
    text = session14.text_of(mail)
    assert "which was on July 5, 2031, 10 a.m. EDT, now starts at July 5, 2031, noon EDT" in text
    assert "11 a.m." not in text
    assert waiter.notifications.filter(kind="waitlist.moved").count() == 2


def test_a_guest_who_left_the_list_before_the_mail_went_is_not_told_they_keep_their_place(
    staff_client: Client, sink: SmtpSink, waiting: tuple[Slot, User, WaitlistEntry]
) -> None:
    slot, waiter, entry = waiting

    later(staff_client, slot, 2)
    handle_moves()
    services.leave_waitlist(guest=waiter, entry_id=entry.pk, now=timezone.now())
    session14.run_worker()

    assert moves_told(sink, waiter) == []


def test_a_new_duration_from_the_host_tells_whoever_waits_the_new_end(
    sink: SmtpSink, waiting: tuple[Slot, User, WaitlistEntry]
) -> None:
    slot, waiter, _entry = waiting
    Listing.objects.filter(pk=slot.listing_id).update(address="1 Harbour Street")

    lengthen(slot.listing, minutes=150)
    session14.run_worker()

    slot.refresh_from_db()
    [mail] = moves_told(sink, waiter)
    assert (
        f"“{slot.listing.title}” on July 5, 2031, 10 a.m. EDT now ends at July 5, 2031, "
        "12:30 p.m. EDT; you keep your place on its waiting list"
    ) in session14.text_of(mail)


def test_someone_waiting_on_a_date_nobody_holds_seats_on_is_told_too(
    staff_client: Client, guest: User, sink: SmtpSink, waiting: tuple[Slot, User, WaitlistEntry]
) -> None:
    """The listing is paused and the booking cancelled: its seats wait for the listing to be
    bookable again, and so does the guest on the list (an offer then comes at the date's time).
    Bug: a date with no seats taken had its move told to nobody, whoever waited on it."""
    slot, waiter, entry = waiting
    listing = slot.listing
    catalog_services.pause_listing(
        host=listing.host, listing_id=listing.pk, actor=listing.host.user
    )
    [booking] = Booking.objects.filter(slot=slot)
    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())
    slot.refresh_from_db()
    assert (slot.seats_taken, WaitlistEntry.objects.get(pk=entry.pk).status) == (0, "waiting")

    later(staff_client, slot, 2)
    session14.run_worker()

    [mail] = moves_told(sink, waiter)
    assert "now starts at July 5, 2031, noon EDT" in session14.text_of(mail)
