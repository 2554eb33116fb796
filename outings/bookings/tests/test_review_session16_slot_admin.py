"""Review (session 16): staff cancelling a booked date in the admin. The change form wrote the
status as posted: the date showed cancelled while its bookings stayed confirmed, their seats
taken, and nobody (guests, the waiting list, the host) was told. The admin now cancels dates
through the service a host's cancellation runs, with staff named as who cancelled. The real
outbox relay delivers the rows, to a real SMTP server (aiosmtpd)."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, BookingEvent, WaitlistEntry
from outings.bookings.tests import test_review_session14 as session14
from outings.bookings.tests.test_review_session14 import _nudges, sink, staff_client
from outings.bookings.tests.test_review_session15_retime import invite_of
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.notifications.models import Notification
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form

__all__ = ["_nudges", "sink", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db


def cancel_in_admin(client: Client, *slots: Slot) -> list[str]:
    """Staff tick the dates on the list of dates and run "Cancel, refunding every guest in
    full"; the messages the list then shows."""
    response = client.post(
        reverse("admin:scheduling_slot_changelist"),
        {"action": "cancel_dates", "_selected_action": [slot.pk for slot in slots]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_a_booked_date_is_not_cancelled_in_its_form_past_its_guests(
    guest: User, staff_client: Client, sink: SmtpSink
) -> None:
    """Bug: the form wrote the status as posted: the date was cancelled, its guest's booking
    stayed confirmed with its seats taken, and the guest was never told."""
    slot, booking = session14.toronto_date(guest)

    response = staff_client.post(
        change_url(slot), {**open_form(staff_client, slot), "status": Slot.Status.CANCELLED}
    )
    session14.run_worker()

    assert response.status_code == 302
    slot.refresh_from_db()
    booking.refresh_from_db()
    assert (slot.status, slot.seats_taken, booking.status) == ("open", 2, "confirmed")


def test_staff_cancel_a_booked_date_and_everyone_on_it_is_told(
    guest: User, other_guest: User, staff_client: Client, sink: SmtpSink
) -> None:
    """The action cancels through the bookings service: each booking ends refunded in full,
    cancelled by staff (recorded with their name), its seats released; the confirmed guest's
    mail takes the date out of their calendar; whoever waits for a seat is told; the host
    hears once that staff cancelled the date (not "a guest cancelled" for each booking:
    test_review_session16_host_told.py); the change is in the admin's log."""
    slot, booking = session14.toronto_date(guest)
    Slot.objects.filter(pk=slot.pk).update(capacity=4)
    holder = UserFactory.create(email="holder@example.org")
    services.hold_seats(guest=holder, slot_id=slot.pk, seats=2, now=timezone.now())
    services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=1, now=timezone.now())

    messages = cancel_in_admin(staff_client, slot)
    session14.run_worker()

    assert messages == ["1 date cancelled."]
    slot.refresh_from_db()
    assert (slot.status, slot.seats_taken) == ("cancelled", 0)
    booking.refresh_from_db()
    assert (booking.status, booking.cancelled_by) == ("cancelled", "staff")
    assert booking.refund_due == booking.total_price
    staff = User.objects.get(is_staff=True)
    assert BookingEvent.objects.filter(booking=booking, action="cancelled", actor=staff).exists()
    assert Booking.objects.get(guest=holder).status == "cancelled"
    [booked, cancelled] = session14.received_by(sink, guest)
    assert booked["Subject"].startswith("Booked: ")
    assert cancelled["Subject"].startswith("Booking cancelled: ")
    assert "STATUS:CANCELLED" in invite_of(cancelled)
    assert WaitlistEntry.objects.get(guest=other_guest).status == "closed"
    assert Notification.objects.filter(user=other_guest, kind="waitlist.closed").exists()
    host = slot.listing.host.user
    assert not Notification.objects.filter(user=host, kind="booking.guest_cancelled").exists()
    [told] = Notification.objects.filter(user=host, kind="slot.cancelled")
    assert (told.data["by"], told.data["booked"]) == ("staff", True)
    assert LogEntry.objects.filter(object_id=str(slot.pk), user=staff).exists()


def test_a_date_already_cancelled_or_begun_is_left_as_it_is(
    guest: User, staff_client: Client
) -> None:
    """The service's refusals are the admin's messages, and the other dates ticked go ahead."""
    begun = SlotFactory.create(starts_at=timezone.now() + timedelta(days=2))
    taken = session14.book(guest, begun, seats=1, now=timezone.now())
    Slot.objects.filter(pk=begun.pk).update(
        starts_at=timezone.now() - timedelta(minutes=30),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    begun.refresh_from_db()
    cancelled = SlotFactory.create(status=Slot.Status.CANCELLED)
    open_date = SlotFactory.create(starts_at=timezone.now() + timedelta(days=3))
    session14.book(guest, open_date, seats=1, now=timezone.now())

    messages = cancel_in_admin(staff_client, begun, cancelled, open_date)

    assert sorted(messages) == sorted(
        [
            f"{begun}: This date has already started.",
            f"{cancelled}: This date is already cancelled.",
            "1 date cancelled.",
        ]
    )
    taken.refresh_from_db()
    assert taken.status == "confirmed"
    assert Slot.objects.get(pk=begun.pk).status == "open"
    assert Slot.objects.get(pk=open_date.pk).status == "cancelled"
