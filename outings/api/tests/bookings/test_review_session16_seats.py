"""Review (session 16): what the API answers when a hold or a request lapsed, pinned where a
mutation audit found nothing would notice another status or code: `409 hold_expired`, both,
with nothing changed. Personas come from conftest.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outings.api.tests.bookings.support import booked, post, seats_consistent, state
from outings.api.tests.helpers import error_of
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def lapse(reference: str) -> None:
    """The hold's or request's time ran out a moment ago (its due row has not run)."""
    Booking.objects.filter(reference=reference).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_confirm_after_the_hold_lapsed_and_its_seats_went_is_409_hold_expired(a, b, listing):
    slot = SlotFactory.create(listing=listing, capacity=2)
    reference = booked(a, slot, seats=2)
    lapse(reference)
    booked(b, slot, seats=2)  # on a full date: A's hold is lapsed on the spot, B takes its seats
    before = state()

    response = post(a, f"/bookings/{reference}/confirm")

    assert (response.status_code, error_of(response)["code"]) == (409, "hold_expired")
    assert error_of(response)["message"] == (
        "Your hold expired and the seats have been taken by someone else."
    )
    assert state() == before
    assert a.get(f"/api/v1/bookings/{reference}").json()["status"] == "expired"
    assert seats_consistent(slot)


def test_accepting_a_request_that_lapsed_is_409_hold_expired(a, x, listing, slot):
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    reference = booked(a, slot, seats=2)
    lapse(reference)
    before = state()

    response = post(x, f"/host/bookings/{reference}/accept")

    assert (response.status_code, error_of(response)["code"]) == (409, "hold_expired")
    assert error_of(response)["message"] == "The request lapsed; the guest may ask again."
    assert state() == before
    assert x.get(f"/api/v1/host/bookings/{reference}").json()["status"] == "declined"
