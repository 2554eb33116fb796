"""Review (session 16): what a host reads when someone else cancels on their listing. Staff
cancelling a booking (the API, the bookings admin) or a whole date (the slot admin), and the
system cancelling a date below its minimum at the cut-off, told the host "<guest> cancelled 2
for …" ("A guest cancelled"), once per booking: untrue, since the guest did nothing, and a date
of ten bookings was ten such mails. A date staff cancelled with nobody booked told the host
nothing. The host now reads who cancelled (our team, with its note; the minimum not reached),
and a whole date is one notice. The real outbox relay delivers the rows, to a real SMTP server
(aiosmtpd)."""

from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests import test_review_session14 as session14
from outings.bookings.tests.test_review_session14 import _nudges, sink, staff_client
from outings.bookings.tests.test_review_session16_slot_admin import cancel_in_admin
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.notifications.models import Notification
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot

__all__ = ["_nudges", "sink", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db

TEN = "July 5, 2031, 10 a.m. EDT"


def host_of(slot: Slot, *, language: str = "en") -> User:
    host = slot.listing.host.user
    User.objects.filter(pk=host.pk).update(preferred_language=language, time_zone="America/Toronto")
    host.refresh_from_db()
    return host


def two_guests_booked(guest: User, other_guest: User) -> tuple[Slot, list[Booking]]:
    """The Toronto date (July 5, 2031, 10 a.m.) with two confirmed, announced bookings; the
    host has their two "New booking" mails."""
    slot, first = session14.toronto_date(guest)
    second = session14.book(other_guest, slot, seats=1, now=timezone.now())
    session14.run_worker()
    return slot, [first, second]


def host_mails(sink: SmtpSink, host: User) -> list[EmailMessage]:
    """What the host received after the two "New booking" mails."""
    return [
        mail
        for mail in session14.received_by(sink, host)
        if not str(mail["Subject"]).startswith("New booking")
    ]


def date_notice(mails: list[EmailMessage], slot: Slot) -> str:
    """The text of the one mail among `mails`, which tells that the date was cancelled."""
    [mail] = mails
    assert str(mail["Subject"]) == f"Your date was cancelled: {slot.listing.title}"
    assert reverse("hosting:roster", args=[slot.pk]) in session14.text_of(mail)
    return session14.text_of(mail)


def test_staff_cancelling_a_booking_through_the_api_is_not_told_as_the_guests_doing(
    guest: User, other_guest: User, sink: SmtpSink
) -> None:
    """Bug: the host read "A guest cancelled: Ada Lovelace cancelled 2 for …" when staff did,
    and not the reason staff gave (the API's description: "told to both")."""
    slot, [booking, _other] = two_guests_booked(guest, other_guest)
    host = host_of(slot)
    staff = UserFactory.create(is_staff=True, permissions=["bookings.change_booking"])
    token = account_services.create_api_token(user=staff, name="tests").secret

    response = Client().post(
        f"/api/v1/staff/bookings/{booking.reference}/cancel",
        {"reason": "The guide is ill."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="staff-cancel-1",
    )
    session14.run_worker()

    assert response.status_code == 200
    [mail] = host_mails(sink, host)
    text = session14.text_of(mail)
    assert str(mail["Subject"]).startswith("Booking cancelled by our team: ")
    assert booking.reference in str(mail["Subject"])
    assert "Our team cancelled the booking" in text
    assert "in the name of Ada Lovelace" in text
    assert TEN in text
    assert "Reason: The guide is ill." in text
    assert "Refund due: " in text
    assert "Ada Lovelace cancelled" not in text
    assert not Notification.objects.filter(user=host, kind="booking.guest_cancelled").exists()


def cancel_booking_in_admin(client: Client, booking: Booking) -> None:
    """Staff tick the booking on the list of bookings and run "Cancel, refunding in full"; the
    workers run."""
    response = client.post(
        "/admin/bookings/booking/",
        {"action": "cancel_with_full_refund", "_selected_action": [booking.pk]},
    )
    session14.run_worker()
    assert response.status_code == 302


def test_staff_cancelling_in_the_bookings_admin_is_told_as_staffs_doing(
    guest: User, other_guest: User, staff_client: Client, sink: SmtpSink
) -> None:
    slot, [booking, _other] = two_guests_booked(guest, other_guest)
    host = host_of(slot)

    cancel_booking_in_admin(staff_client, booking)

    [mail] = host_mails(sink, host)
    assert str(mail["Subject"]).startswith("Booking cancelled by our team: ")
    assert "Ada Lovelace cancelled" not in session14.text_of(mail)


def test_a_guest_cancelling_is_still_told_as_the_guests_doing(
    guest: User, other_guest: User, sink: SmtpSink
) -> None:
    slot, [booking, _other] = two_guests_booked(guest, other_guest)
    host = host_of(slot)

    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())
    session14.run_worker()

    [mail] = host_mails(sink, host)
    assert str(mail["Subject"]).startswith("A guest cancelled: ")
    assert f"Ada Lovelace cancelled 2 for “{slot.listing.title}” on {TEN}" in (
        session14.text_of(mail)
    )


def test_staff_cancelling_a_booked_date_tell_its_host_once_that_they_did(
    guest: User, other_guest: User, staff_client: Client, sink: SmtpSink
) -> None:
    """Bug: two mails "A guest cancelled", one per booking, for a date staff cancelled."""
    slot, _bookings = two_guests_booked(guest, other_guest)
    host = host_of(slot)

    cancel_in_admin(staff_client, slot)
    session14.run_worker()

    text = date_notice(host_mails(sink, host), slot)
    assert f"Our team cancelled “{slot.listing.title}” on {TEN}" in text
    assert "every guest booked on it is told and due a full refund" in text
    assert "Our team's note: Cancelled by staff in the admin." in text
    assert not Notification.objects.filter(user=host, kind="booking.guest_cancelled").exists()


def test_staff_cancelling_a_date_nobody_booked_tell_its_host(
    staff_client: Client, sink: SmtpSink
) -> None:
    """Bug: the date was gone from the host's schedule without a word."""
    slot = SlotFactory.create(starts_at=timezone.now() + timedelta(days=5))
    host = host_of(slot)

    cancel_in_admin(staff_client, slot)
    session14.run_worker()

    text = date_notice(session14.received_by(sink, host), slot)
    assert f"Our team cancelled “{slot.listing.title}” on " in text
    assert "nobody had booked it" in text
    assert "Our team's note: Cancelled by staff in the admin." in text


def test_a_host_reads_the_notice_of_a_date_staff_cancelled_in_german(
    staff_client: Client, sink: SmtpSink
) -> None:
    slot = SlotFactory.create(starts_at=timezone.now() + timedelta(days=5))
    host = host_of(slot, language="de")

    services.cancel_slot_as_staff(
        staff=User.objects.get(is_staff=True), slot_id=slot.pk, reason="Sturm.", now=timezone.now()
    )
    session14.run_worker()

    [mail] = session14.received_by(sink, host)
    text = session14.text_of(mail)
    assert str(mail["Subject"]) == f"Dein Termin wurde abgesagt: {slot.listing.title}"
    assert f"Unser Team hat „{slot.listing.title}“ am " in text
    assert "es gab keine Buchungen" in text
    assert "Anmerkung unseres Teams: Sturm." in text


def below_its_minimum_at_the_cut_off(slot: Slot) -> None:
    """The listing wants 5 guests; the date's cut-off (48 hours before) comes."""
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=5, min_guests_cutoff_hours=48)
    assert services.decide_minimum(slot_id=slot.pk, now=slot.starts_at - timedelta(hours=48))


def test_a_date_below_its_minimum_tells_its_host_once_why_it_was_cancelled(
    guest: User, other_guest: User, sink: SmtpSink
) -> None:
    """Bug: "A guest cancelled" for each booking, as if the guests had left."""
    slot, bookings = two_guests_booked(guest, other_guest)
    host = host_of(slot)

    below_its_minimum_at_the_cut_off(slot)
    session14.run_worker()

    text = date_notice(host_mails(sink, host), slot)
    assert f"“{slot.listing.title}” on {TEN} is cancelled" in text
    assert "fewer guests than its minimum of 5 had booked it by the cut-off" in text
    assert "every guest booked on it is told and due a full refund" in text
    for booking in bookings:
        booking.refresh_from_db()
        assert (booking.status, booking.cancelled_by) == ("cancelled", "system")
    assert [str(m["Subject"]).split(":")[0] for m in session14.received_by(sink, guest)] == [
        "Booked",
        "Booking cancelled",
    ]


def test_a_date_nobody_booked_below_its_minimum_is_cancelled_without_a_word_to_its_host(
    sink: SmtpSink,
) -> None:
    """As before: nothing changed for the host, who had no guest to face (a host with a
    minimum on daily dates would otherwise get a mail for every empty one)."""
    slot = SlotFactory.create(starts_at=timezone.now() + timedelta(days=5))
    host = host_of(slot)

    below_its_minimum_at_the_cut_off(slot)
    session14.run_worker()

    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED
    assert session14.received_by(sink, host) == []
    assert not Notification.objects.filter(user=host).exists()
