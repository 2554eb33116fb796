"""Review (session 23): asking for more seats than a date has left was refused with "Not enough
seats are left on this date for 3." on a page that never said how many are left (the booking
page, and the waiting list's "Enough seats are free: book them instead of waiting."): the
guest had to guess a smaller group, or go back to a listing page that may show an old count.
Both pages now say the seats left on the date, lapsed holds counted free as on the listing
page; a date that can no longer be booked says nothing of seats."""

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def _eight_of_ten_taken(slot: Slot) -> None:
    for _n in range(2):
        guest = UserFactory.create()
        held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=4, now=timezone.now())
        services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())


def _token(client: Client, slot: Slot) -> str:
    page = client.get(f"/bookings/new/?slot={slot.pk}").content.decode()
    return page.split('name="form_token" value="', 1)[1].split('"', 1)[0]


def test_too_many_guests_are_told_how_many_seats_are_left(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    _eight_of_ten_taken(slot)

    response = guest_client.post(
        "/bookings/new/", {"slot": slot.pk, "seats": 3, "form_token": _token(guest_client, slot)}
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert "Not enough seats are left on this date for 3." in page
    assert '<p id="seats-left">2 seats left</p>' in page
    assert not Booking.objects.filter(guest=guest).exists()


def test_the_seats_left_are_said_in_german_and_count_a_lapsed_hold_as_free(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    _eight_of_ten_taken(slot)
    lapsed = services.hold_seats(
        guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=timezone.now()
    )
    Booking.objects.filter(pk=lapsed.pk).update(expires_at=timezone.now())
    guest_client.cookies["django_language"] = "de"

    response = guest_client.get(f"/bookings/new/?slot={slot.pk}")

    assert response.status_code == 200
    assert '<p id="seats-left">2 Plätze frei</p>' in response.content.decode()


def test_the_waiting_lists_seats_are_free_answer_says_how_many(
    guest_client: Client, guest: User, slot: Slot
) -> None:
    _eight_of_ten_taken(slot)

    response = guest_client.post("/bookings/waitlist/", {"slot": slot.pk, "seats": 1})

    page = response.content.decode()
    assert response.status_code == 409
    assert "Enough seats are free: book them instead of waiting." in page
    assert '<p id="seats-left">2 seats left</p>' in page
    assert not WaitlistEntry.objects.exists()


def test_a_cancelled_date_says_nothing_of_seats(guest_client: Client, slot: Slot) -> None:
    Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.CANCELLED)

    response = guest_client.get(f"/bookings/new/?slot={slot.pk}")

    page = response.content.decode()
    assert response.status_code == 409
    assert "seats-left" not in page
    assert "seats left" not in page
