"""Review (session 23): staff lowering a date's places in the slot admin were refused
("At least 3.") by the seats of a hold whose time had run out and that the sweep had not yet
recorded, while every reader counts those seats free and a host lowering the same date on their
pages or through the API is not refused (bookings.services.waitlist._with_lapsed_released). The
admin now lapses such holds, as the sweep would, when they are what stands in the way; a hold
still running, or a confirmed booking, still bounds the places."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests.test_review_session14 import book, staff_client
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form

__all__ = ["staff_client"]  # fixture

pytestmark = pytest.mark.django_db


def _lapsed_hold(guest: User, slot: Slot, seats: int) -> Booking:
    """A hold taken an hour ago, whose time ran out; the sweep has not run."""
    return services.hold_seats(
        guest=guest, slot_id=slot.pk, seats=seats, now=timezone.now() - timedelta(hours=1)
    )


def _set_places(client: Client, slot: Slot, capacity: int) -> str:
    """Staff open the date's change form, set its places and save; the page they then see."""
    response = client.post(change_url(slot), {**open_form(client, slot), "capacity": capacity})
    if response.status_code == 302:
        return ""
    assert response.status_code == 200
    return response.content.decode()


def test_staff_lower_places_past_a_hold_whose_time_ran_out(
    guest: User, other_guest: User, staff_client: Client, slot: Slot
) -> None:
    """Bug: refused "At least 3." for a date whose only live booking has one seat."""
    book(other_guest, slot, seats=1, now=timezone.now())
    lapsed = _lapsed_hold(guest, slot, seats=2)

    page = _set_places(staff_client, slot, 1)

    assert "At least" not in page
    slot.refresh_from_db()
    assert (slot.capacity, slot.seats_taken) == (1, 1)
    lapsed.refresh_from_db()
    assert lapsed.status == Booking.Status.EXPIRED


def test_places_below_what_is_booked_or_held_now_are_still_refused(
    guest: User, other_guest: User, staff_client: Client, slot: Slot
) -> None:
    """The control: a confirmed booking and a hold still running bound the places; the error
    counts them, not the lapsed hold, and nothing changes (the lapsed hold is left to the
    sweep)."""
    book(other_guest, slot, seats=2, now=timezone.now())
    running = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=timezone.now())
    lapsed = _lapsed_hold(guest, slot, seats=3)

    page = _set_places(staff_client, slot, 2)

    assert "At least 3." in page
    slot.refresh_from_db()
    assert (slot.capacity, slot.seats_taken) == (10, 6)
    lapsed.refresh_from_db()
    running.refresh_from_db()
    assert (lapsed.status, running.status) == (Booking.Status.HELD, Booking.Status.HELD)
