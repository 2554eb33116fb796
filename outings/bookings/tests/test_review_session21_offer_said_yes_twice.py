"""Review (session 21): "Send the request" pressed twice on a waiting-list offer of a listing
whose host answers every booking (a double click, or Back and press again)."""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking, BookingEvent
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _offer(guest: User, host: HostProfile) -> Booking:
    """Seats held for `guest` from a waiting list, on a listing by request."""
    listing = ListingFactory.create(host=host, instant_booking=False, max_group_size=6)
    slot = SlotFactory.create(listing=listing, capacity=2)
    now = timezone.now()
    first = services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=now)
    services.accept_request(host=host, reference=first.reference, now=now)
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=2, now=now)
    services.cancel_booking(guest=first.guest, reference=first.reference, now=now)
    return Booking.objects.get(waitlist_entry=entry)


def _state(booking: Booking) -> tuple[Any, ...]:
    booking.refresh_from_db()
    events, messages = BookingEvent.objects.count(), OutboxMessage.objects.count()
    return booking.status, booking.version, events, messages


def test_the_second_press_says_the_request_went_to_the_host(
    guest_client: Client, guest: User, host: HostProfile
) -> None:
    """The second press answered 409, "The host has not answered your request yet.", on the
    page a double click shows: the guest read a refusal, not that their request had gone. It
    is now the same answer as the first (as a second confirmation of a hold is), and changes
    nothing."""
    offer = _offer(guest, host)
    assert guest_client.post(f"/bookings/{offer.reference}/confirm/").status_code == 302
    before = _state(offer)

    again = guest_client.post(f"/bookings/{offer.reference}/confirm/", follow=True)

    assert again.redirect_chain == [(f"/bookings/{offer.reference}/", 302)]
    page = again.content.decode()
    assert "Your request went to the host. We will email you the answer." in page
    assert "The host has not answered your request yet." not in page
    assert _state(offer) == before
    assert before[0] == Booking.Status.REQUESTED


def test_the_api_answers_a_second_confirmation_with_the_request(
    client: Client, guest: User, host: HostProfile
) -> None:
    """docs/api.md: confirm a hold, again: the same answer."""
    offer = _offer(guest, host)
    client.force_login(guest)
    path = f"/api/v1/bookings/{offer.reference}/confirm"
    first = client.post(path, "{}", content_type="application/json")
    before = _state(offer)

    again = client.post(path, "{}", content_type="application/json")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == "requested"
    assert again.json()["reference"] == offer.reference
    assert _state(offer) == before
