"""Review (session 21): the link of a booking handed on, used again by the one who accepted it:
a second press of "Accept the booking" (a double click, or Back and press again), or the mail's
link opened again to find the booking."""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, BookingEvent, Transfer
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def _handed_on(guest: User, slot: Slot, *, to: User) -> tuple[Booking, str]:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=to.email, now=timezone.now()
    )
    return booking, f"/bookings/transfer/{secret}/"


def _taken(client: Client, guest: User, slot: Slot, *, by: User) -> tuple[Booking, str]:
    """A booking handed on to `by`, who accepted it through the link (signed in on `client`)."""
    booking, link = _handed_on(guest, slot, to=by)
    client.force_login(by)
    assert client.post(link)["Location"] == f"/bookings/{booking.reference}/"
    return booking, link


def _state(booking: Booking) -> tuple[Any, ...]:
    booking.refresh_from_db()
    transfers = list(Transfer.objects.values_list("status", "to_user_id"))
    return booking.guest_id, booking.version, transfers, BookingEvent.objects.count()


def test_accepting_a_booking_again_shows_it_as_theirs_and_changes_nothing(
    client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    """The second press answered 404, "This transfer link is not valid, was already used or
    was withdrawn.", to the guest the booking had just moved to: the page a double click
    shows is the second press's. It now goes to their booking, saying it is theirs."""
    booking, link = _taken(client, guest, slot, by=other_guest)
    before = _state(booking)

    again = client.post(link, follow=True)

    assert again.redirect_chain == [(f"/bookings/{booking.reference}/", 302)]
    assert "This booking is yours: you accepted it." in again.content.decode()
    assert _state(booking) == before


def test_the_mail_link_opened_again_after_accepting_goes_to_the_booking(
    client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    booking, link = _taken(client, guest, slot, by=other_guest)

    response = client.get(link)

    assert (response.status_code, response["Location"]) == (302, f"/bookings/{booking.reference}/")


def test_a_used_link_is_still_refused_to_anyone_the_booking_is_not_with(
    client: Client, guest: User, other_guest: User, slot: Slot
) -> None:
    """Only whoever holds the booking through that link is sent to it: the giver, and the taker
    once they handed it on again, get the link's refusal and nothing of the booking."""
    booking, link = _taken(client, guest, slot, by=other_guest)
    third = UserFactory.create(email="third@example.org")
    _transfer, secret = services.offer_transfer(
        guest=other_guest, reference=booking.reference, to_email=third.email, now=timezone.now()
    )
    services.accept_transfer(user=third, secret=secret, now=timezone.now())

    for user in (other_guest, guest):
        client.force_login(user)
        for response in (client.get(link), client.post(link)):
            assert response.status_code == 404
            assert "This transfer link is not valid" in response.content.decode()
            assert booking.reference not in response.content.decode()
    booking.refresh_from_db()
    assert booking.guest_id == third.pk


def test_it_says_so_in_german(client: Client, guest: User, other_guest: User, slot: Slot) -> None:
    _booking, link = _taken(client, guest, slot, by=other_guest)

    again = client.post(link, follow=True, headers={"accept-language": "de"})

    assert "Diese Buchung gehört dir: Du hast sie angenommen." in again.content.decode()
