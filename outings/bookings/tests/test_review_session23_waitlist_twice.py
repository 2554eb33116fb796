"""Review (session 23): "Join the waiting list" pressed twice (a double click, whose second answer
is the page shown; Back and press again; a second tab) answered the second press with a 409
page headed "Waiting list", the refusal "You are already on the waiting list of this date."
and the form to join again, which could only be refused again: nothing on it said for how
many guests the guest waits, or how to leave. It now goes to "My bookings", which lists the
entry (its guests, its offer, "Leave the waiting list"), with the refusal as a notice; one
entry, as before."""

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import WaitlistEntry
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_slot(slot: Slot) -> Slot:
    Slot.objects.filter(pk=slot.pk).update(capacity=4)
    other = UserFactory.create()
    held = services.hold_seats(guest=other, slot_id=slot.pk, seats=4, now=timezone.now())
    services.confirm_booking(guest=other, reference=held.reference, now=timezone.now())
    slot.refresh_from_db()
    return slot


def test_joining_twice_leads_to_the_entry_in_my_bookings(
    guest_client: Client, guest: User, full_slot: Slot
) -> None:
    first = guest_client.post("/bookings/waitlist/", {"slot": full_slot.pk, "seats": 2})
    assert (first.status_code, first["Location"]) == (302, "/bookings/")

    again = guest_client.post(
        "/bookings/waitlist/", {"slot": full_slot.pk, "seats": 3}, follow=True
    )

    page = again.content.decode()
    assert again.redirect_chain == [("/bookings/", 302)]
    assert "You are already on the waiting list of this date." in page
    assert "2 guests · Waiting" in page
    assert "Leave the waiting list" in page
    assert list(WaitlistEntry.objects.values_list("guest", "seats", "status")) == [
        (guest.pk, 2, WaitlistEntry.Status.WAITING)
    ]


def test_another_refusal_still_answers_with_the_waiting_list_page(
    guest_client: Client, full_slot: Slot
) -> None:
    """The control: a refusal the guest can act on there (seats free: book them) is the page."""
    Slot.objects.filter(pk=full_slot.pk).update(capacity=10)

    response = guest_client.post("/bookings/waitlist/", {"slot": full_slot.pk, "seats": 2})

    assert response.status_code == 409
    assert "Enough seats are free: book them instead of waiting." in response.content.decode()
    assert not WaitlistEntry.objects.exists()
