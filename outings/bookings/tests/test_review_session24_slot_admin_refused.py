"""Review (session 24): staff's new places in the slot admin now lapse the holds and requests
whose time ran out with the service a host's lower capacity uses (bookings.services.
release_lapsed), when the form is checked, instead of counting them there and lapsing them at
the save. A form refused after that, for anything, must give them back: Django's admin commits
its transaction to show the errors, so the form's checks run in a savepoint that a refusal rolls
back (SlotAdminForm.full_clean). Without it, the hold below was recorded expired (and its seats
given back) by a save that saved nothing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, BookingEvent
from outings.bookings.tests.test_review_session14 import book, staff_client
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form

__all__ = ["staff_client"]  # fixture

pytestmark = pytest.mark.django_db


def test_places_that_fit_on_a_form_refused_for_its_times_lapse_nothing(
    guest: User, other_guest: User, staff_client: Client, slot: Slot
) -> None:
    """Staff lower the places to what is booked (fits once the lapsed hold is lapsed) and move
    the start to an hour ago (refused): nothing changes, the lapsed hold is left to the
    sweep."""
    book(other_guest, slot, seats=1, now=timezone.now())
    lapsed = services.hold_seats(
        guest=guest, slot_id=slot.pk, seats=2, now=timezone.now() - timedelta(hours=1)
    )
    gone = timezone.localtime(timezone.now() - timedelta(hours=1))
    form = {
        **open_form(staff_client, slot),
        "capacity": 1,
        "starts_at_0": f"{gone:%Y-%m-%d}",
        "starts_at_1": f"{gone:%H:%M:%S}",
    }

    response = staff_client.post(change_url(slot), form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "A date cannot be moved to a time that has gone by." in page
    assert "At least" not in page
    slot.refresh_from_db()
    assert (slot.capacity, slot.seats_taken, slot.version) == (10, 3, 1)
    lapsed.refresh_from_db()
    assert (lapsed.status, lapsed.ended_at) == (Booking.Status.HELD, None)
    assert not BookingEvent.objects.filter(booking=lapsed, action=Booking.Status.EXPIRED).exists()


def test_the_same_places_alone_are_saved_and_lapse_the_hold(
    guest: User, other_guest: User, staff_client: Client, slot: Slot
) -> None:
    """The control: the same places without the refused move are saved, the hold lapsed."""
    book(other_guest, slot, seats=1, now=timezone.now())
    lapsed = services.hold_seats(
        guest=guest, slot_id=slot.pk, seats=2, now=timezone.now() - timedelta(hours=1)
    )

    response = staff_client.post(change_url(slot), {**open_form(staff_client, slot), "capacity": 1})

    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.capacity, slot.seats_taken, slot.version) == (1, 1, 2)
    lapsed.refresh_from_db()
    assert lapsed.status == Booking.Status.EXPIRED
