"""A host's answer (accept, decline) to a booking that is not waiting for it says what the booking
is instead. Every such answer read "This booking is not waiting for your answer.", whatever had
happened to it (confirmed, withdrawn by the guest, declined, lapsed, cancelled by our team ...),
and the host had to go and look."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import HoldExpired, InvalidBookingState
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import UserFactory
from outings.common.errors import DomainError
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


def _api_of(user: User) -> Client:
    secret = account_services.create_api_token(user=user, name="tests").secret
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _booked(slot: Slot, *, instant: bool, asked_ago: timedelta = timedelta(0)) -> Booking:
    """A hold (instant) or a request, made `asked_ago`."""
    Listing.objects.filter(pk=slot.listing_id).update(instant_booking=instant)
    guest = UserFactory.create(first_name="Ada", last_name="Byron")
    return services.hold_seats(
        guest=guest, slot_id=slot.pk, seats=2, now=timezone.now() - asked_ago
    )


def _request(slot: Slot) -> Booking:
    return _booked(slot, instant=False)


def _accepted(slot: Slot) -> Booking:
    booking = _request(slot)
    host = slot.listing.host
    return services.accept_request(host=host, reference=booking.reference, now=timezone.now())


def _confirmed_at_once(slot: Slot) -> Booking:
    booking = _booked(slot, instant=True)
    return services.confirm_booking(
        guest=booking.guest, reference=booking.reference, now=timezone.now()
    )


def _guest_cancels(booking: Booking) -> Booking:
    return services.cancel_booking(
        guest=booking.guest, reference=booking.reference, now=timezone.now()
    )


def _withdrawn(slot: Slot) -> Booking:
    return _guest_cancels(_request(slot))


def _hold_cancelled_by_the_guest(slot: Slot) -> Booking:
    return _guest_cancels(_booked(slot, instant=True))


def _cancelled_by_the_guest(slot: Slot) -> Booking:
    return _guest_cancels(_accepted(slot))


def _declined(slot: Slot) -> Booking:
    booking = _request(slot)
    return services.decline_request(
        host=slot.listing.host, reference=booking.reference, reason="", now=timezone.now()
    )


def _cancelled_by_the_host(slot: Slot) -> Booking:
    booking = _request(slot)
    return services.cancel_booking_as_host(
        host=slot.listing.host, reference=booking.reference, reason="Ill", now=timezone.now()
    )


def _cancelled_by_staff(slot: Slot) -> Booking:
    booking = _request(slot)
    staff = UserFactory.create(is_staff=True, is_superuser=True)
    return services.cancel_booking_as_staff(
        staff=staff, reference=booking.reference, reason="Complaint", now=timezone.now()
    )


def _cancelled_for_too_few_guests(slot: Slot) -> Booking:
    booking = _request(slot)
    assert services.decide_minimum(slot_id=slot.pk, now=timezone.now(), minimum=5)
    booking.refresh_from_db()
    return booking


def _held(slot: Slot) -> Booking:
    return _booked(slot, instant=True)


def _hold_lapsed(slot: Slot) -> Booking:
    return _booked(slot, instant=True, asked_ago=timedelta(hours=1))


def _hold_lapsed_and_swept(slot: Slot) -> Booking:
    booking = _hold_lapsed(slot)
    assert services.expire_booking(booking_id=booking.pk, now=timezone.now())
    booking.refresh_from_db()
    return booking


def _request_lapsed_and_swept(slot: Slot) -> Booking:
    booking = _booked(slot, instant=False, asked_ago=timedelta(days=2))
    assert services.expire_booking(booking_id=booking.pk, now=timezone.now())
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DECLINED
    return booking


CASES: list[tuple[Callable[[Slot], Booking], type[DomainError], str]] = [
    (_accepted, InvalidBookingState, "This booking is already confirmed."),
    (_confirmed_at_once, InvalidBookingState, "This booking is already confirmed."),
    (_withdrawn, InvalidBookingState, "The guest withdrew this request."),
    (_hold_cancelled_by_the_guest, InvalidBookingState, "The guest cancelled this hold."),
    (_cancelled_by_the_guest, InvalidBookingState, "The guest cancelled this booking."),
    (_declined, InvalidBookingState, "You declined this request."),
    (_cancelled_by_the_host, InvalidBookingState, "You cancelled this booking."),
    (_cancelled_by_staff, InvalidBookingState, "Our team cancelled this booking."),
    (
        _cancelled_for_too_few_guests,
        InvalidBookingState,
        "This date was cancelled: not enough guests booked for it to take place.",
    ),
    (_held, InvalidBookingState, "This is a hold the guest has not confirmed yet."),
    (_hold_lapsed, InvalidBookingState, "The guest did not confirm this hold in time."),
    (_hold_lapsed_and_swept, InvalidBookingState, "The guest did not confirm this hold in time."),
    # As a request lapsed but not swept yet is answered (_check_in_time): hold_expired.
    (_request_lapsed_and_swept, HoldExpired, "The request lapsed; the guest may ask again."),
]


@pytest.mark.parametrize("action", ["accept", "decline"])
@pytest.mark.parametrize(("make", "error", "message"), CASES)
def test_an_answer_to_a_booking_not_waiting_for_one_says_what_it_is(
    host: HostProfile,
    slot: Slot,
    action: str,
    make: Callable[[Slot], Booking],
    error: type[DomainError],
    message: str,
) -> None:
    booking = make(slot)
    before = Booking.objects.values().get(pk=booking.pk)
    seats = Slot.objects.values_list("seats_taken", flat=True).get(pk=slot.pk)

    def answer() -> Booking:
        if action == "accept":
            return services.accept_request(
                host=host, reference=booking.reference, now=timezone.now()
            )
        return services.decline_request(
            host=host, reference=booking.reference, reason="", now=timezone.now()
        )

    with pytest.raises(error) as refused:
        answer()

    assert str(refused.value.message) == message
    assert Booking.objects.values().get(pk=booking.pk) == before
    assert Slot.objects.values_list("seats_taken", flat=True).get(pk=slot.pk) == seats


@pytest.mark.parametrize(
    ("make", "language", "message"),
    [
        # The host opened the request, the guest withdrew it, the host pressed Accept.
        (_withdrawn, "en", "The guest withdrew this request."),
        # A second Accept (a double click, a page left open).
        (_accepted, "en", "This booking is already confirmed."),
        (_declined, "de", "Du hast diese Anfrage abgelehnt."),
    ],
)
def test_the_page_tells_the_host_what_the_booking_is(
    client: Client,
    host: HostProfile,
    slot: Slot,
    make: Callable[[Slot], Booking],
    language: str,
    message: str,
) -> None:
    booking = make(slot)
    client.force_login(host.user)

    response = client.post(
        f"/host/bookings/{booking.reference}/",
        {"action": "accept"},
        headers={"accept-language": language},
    )

    assert response.status_code == 409
    assert message in response.content.decode()
    booking.refresh_from_db()
    assert booking.status != Booking.Status.REQUESTED


@pytest.mark.parametrize(
    ("make", "action", "code", "message"),
    [
        (_cancelled_by_staff, "accept", "invalid_state", "Our team cancelled this booking."),
        # It was `hold_expired` until the sweep recorded the lapse, then `invalid_state`.
        (
            _request_lapsed_and_swept,
            "decline",
            "hold_expired",
            "The request lapsed; the guest may ask again.",
        ),
    ],
)
def test_the_api_tells_the_host_what_the_booking_is(
    host: HostProfile,
    slot: Slot,
    make: Callable[[Slot], Booking],
    action: str,
    code: str,
    message: str,
) -> None:
    booking = make(slot)

    path = f"/api/v1/host/bookings/{booking.reference}/{action}"
    response = _api_of(host.user).post(path, {}, content_type="application/json")
    body: Any = response.json()

    assert response.status_code == 409
    assert body == {"error": {"code": code, "message": message, "fields": {}}}
