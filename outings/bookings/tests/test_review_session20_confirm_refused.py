"""Session 20: a guest confirming a booking that is over is told which way it ended, in the
guest's language; before, every such refusal said "This booking was cancelled.", a declined
request too."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import InvalidBookingState
from outings.bookings.models import Booking
from outings.bookings.services.core import release_expired
from outings.catalog.models import Listing
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

LAPSED = (
    "The host did not answer your request in time; it lapsed.",
    "Der Gastgeber hat nicht rechtzeitig auf deine Anfrage geantwortet; sie ist verfallen.",
)


def _request(*, guest: User, slot: Slot) -> Booking:
    Listing.objects.filter(pk=slot.listing_id).update(instant_booking=False)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    assert booking.status == Booking.Status.REQUESTED
    return booking


def _refusal(*, guest: User, booking: Booking, language: str) -> str:
    with translation.override(language), pytest.raises(InvalidBookingState) as refused:
        services.confirm_booking(guest=guest, reference=booking.reference, now=timezone.now())
    return refused.value.message


def _refusals(*, guest: User, booking: Booking) -> tuple[str, str]:
    """The refusal to confirm, in English and in German."""
    english = _refusal(guest=guest, booking=booking, language="en")
    return english, _refusal(guest=guest, booking=booking, language="de")


def test_confirming_a_declined_request_says_the_host_declined_it(
    guest: User, host: HostProfile, slot: Slot
) -> None:
    booking = _request(guest=guest, slot=slot)
    services.decline_request(
        host=host, reference=booking.reference, reason="Full", now=timezone.now()
    )

    assert _refusals(guest=guest, booking=booking) == (
        "The host declined this request.",
        "Der Gastgeber hat diese Anfrage abgelehnt.",
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DECLINED
    assert booking.confirmed_at is None


def test_the_api_refuses_to_confirm_a_declined_request_naming_its_state(
    guest: User, host: HostProfile, slot: Slot
) -> None:
    booking = _request(guest=guest, slot=slot)
    services.decline_request(host=host, reference=booking.reference, reason="", now=timezone.now())
    secret = account_services.create_api_token(user=guest, name="tests").secret
    api = Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": "de"})

    answer = api.post(
        f"/api/v1/bookings/{booking.reference}/confirm", data={}, content_type="application/json"
    )

    assert answer.status_code == 409
    assert answer.json() == {
        "error": {
            "code": "invalid_state",
            "message": "Der Gastgeber hat diese Anfrage abgelehnt.",
            "fields": {},
        }
    }


def test_confirming_a_request_that_lapsed_unanswered_says_so(guest: User, slot: Slot) -> None:
    booking = _request(guest=guest, slot=slot)
    Booking.objects.filter(pk=booking.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert _refusals(guest=guest, booking=booking) == LAPSED
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED

    release_expired(slot_id=slot.pk, now=timezone.now())  # the sweep records it
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DECLINED
    assert _refusals(guest=guest, booking=booking) == LAPSED


def test_confirming_a_cancelled_booking_still_says_it_was_cancelled(
    guest: User, slot: Slot
) -> None:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    services.confirm_booking(guest=guest, reference=booking.reference, now=timezone.now())
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)

    assert _refusals(guest=guest, booking=booking) == (
        "This booking was cancelled.",
        "Diese Buchung wurde storniert.",
    )
