"""Review (session 21): "Yes, cancel it" pressed on a booking that has already ended: a double
click's second press, Back and press again, or a page left open while the host cancelled."""

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking, BookingEvent
from outings.common.models import OutboxMessage
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def _confirmed(guest: User, slot: Slot) -> Booking:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    return services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())


def _shown_refund(client: Client, booking: Booking) -> dict[str, str]:
    page = client.get(f"/bookings/{booking.reference}/cancel/").content.decode()
    shown = re.search(r'name="refund" value="([^"]*)"', page)
    assert shown is not None
    return {"refund": shown.group(1)}


def _state(booking: Booking) -> tuple[Any, ...]:
    booking.refresh_from_db()
    events, messages = BookingEvent.objects.count(), OutboxMessage.objects.count()
    return booking.status, booking.refund_due, booking.version, events, messages


def test_the_second_press_shows_the_booking_cancelled_with_its_refund(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    """The second press answered 409 on the cancel page, headed "Cancel this booking?", with
    "This booking is already cancelled." and no word of the refund: the page a double click
    shows, so the guest never read the refund the first press recorded. It now goes to the
    booking's page, which says it is cancelled, by whom, and the refund due."""
    booking = _confirmed(guest, slot)
    form = _shown_refund(guest_client, booking)
    assert guest_client.post(f"/bookings/{booking.reference}/cancel/", form).status_code == 302
    before = _state(booking)

    again = guest_client.post(f"/bookings/{booking.reference}/cancel/", form, follow=True)

    assert again.redirect_chain == [(f"/bookings/{booking.reference}/", 302)]
    page = re.sub(r"\s+", " ", again.content.decode())
    assert "This booking is already cancelled." in page
    assert "<dt>Refund due</dt><dd>CA$50.00</dd>" in page
    assert "<dt>Cancelled by</dt><dd>the guest</dd>" in page
    assert _state(booking) == before


def test_a_booking_the_host_cancelled_meanwhile_shows_who_cancelled_it(
    guest_client: Client, guest: User, slot: Slot, host: HostProfile
) -> None:
    booking = _confirmed(guest, slot)
    form = _shown_refund(guest_client, booking)
    services.cancel_booking_as_host(
        host=host, reference=booking.reference, reason="Storm warning", now=timezone.now()
    )
    before = _state(booking)

    response = guest_client.post(f"/bookings/{booking.reference}/cancel/", form, follow=True)

    assert response.redirect_chain == [(f"/bookings/{booking.reference}/", 302)]
    page = re.sub(r"\s+", " ", response.content.decode())
    assert "<dt>Cancelled by</dt><dd>the host: <q>Storm warning</q></dd>" in page
    assert _state(booking) == before
