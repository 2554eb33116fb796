from datetime import timedelta

import pytest
from django.db.models import Sum

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import (
    HoldExpired,
    InvalidBooking,
    InvalidBookingState,
    SlotFull,
    SlotUnavailable,
)
from outings.bookings.models import Booking
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.services import HostSuspended
from outings.common.errors import NotFound
from outings.common.models import OutboxMessage
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def assert_seats_consistent(slot: Slot) -> None:
    slot.refresh_from_db()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    assert slot.seats_taken == (active.aggregate(n=Sum("seats"))["n"] or 0)


def test_it_holds_seats_with_a_price_snapshot(guest: User, slot: Slot) -> None:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=3, now=NOW)

    slot.refresh_from_db()
    assert slot.seats_taken == 3
    assert booking.status == Booking.Status.HELD
    assert booking.expires_at == NOW + timedelta(minutes=10)
    assert (booking.unit_price, booking.total_price, booking.currency) == (2500, 7500, "CAD")
    assert booking.cancellation_policy == "flexible"
    assert len(booking.reference) == 10
    assert OutboxMessage.objects.filter(kind="bookings.expire", due_at=booking.expires_at).exists()


def test_it_refuses_to_oversell(guest: User, slot: Slot) -> None:
    Slot.objects.filter(pk=slot.pk).update(seats_taken=9)

    with pytest.raises(SlotFull):
        services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)

    slot.refresh_from_db()
    assert slot.seats_taken == 9
    assert not Booking.objects.exists()


@pytest.mark.parametrize("seats", [0, -1, 7, True])
def test_it_refuses_seats_outside_the_listing_limits(guest: User, slot: Slot, seats: int) -> None:
    with pytest.raises(InvalidBooking):
        services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=NOW)

    slot.refresh_from_db()
    assert slot.seats_taken == 0
    assert not Booking.objects.exists()


def test_it_refuses_more_seats_than_the_capacity(guest: User, listing: Listing) -> None:
    from outings.catalog.tests.factories import SlotFactory

    small = SlotFactory.create(listing=listing, capacity=2)
    with pytest.raises(InvalidBooking):
        services.hold_seats(guest=guest, slot_id=small.pk, seats=3, now=NOW)
    assert not Booking.objects.exists()


def test_it_refuses_a_started_or_cancelled_slot(guest: User, slot: Slot) -> None:
    with pytest.raises(SlotUnavailable):
        services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=slot.starts_at)
    Slot.objects.filter(pk=slot.pk).update(status=Slot.Status.CANCELLED)
    with pytest.raises(SlotUnavailable):
        services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=NOW)
    assert not Booking.objects.exists()


def test_a_slot_of_an_unpublished_listing_is_not_found(guest: User, slot: Slot) -> None:
    Listing.objects.filter(pk=slot.listing_id).update(status=Listing.Status.PAUSED)
    with pytest.raises(NotFound):
        services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=NOW)


def test_a_host_cannot_book_their_own_listing(host: HostProfile, slot: Slot) -> None:
    with pytest.raises(InvalidBooking):
        services.hold_seats(guest=host.user, slot_id=slot.pk, seats=1, now=NOW)


def test_a_form_token_books_once(guest: User, slot: Slot) -> None:
    first = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW, form_token="t1")
    again = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW, form_token="t1")

    assert again.pk == first.pk
    slot.refresh_from_db()
    assert slot.seats_taken == 2


def test_confirm_keeps_the_seats_and_leaves_the_announcement_to_the_outbox(
    guest: User, slot: Slot
) -> None:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)

    confirmed = services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)

    assert confirmed.status == Booking.Status.CONFIRMED
    assert confirmed.payment_provider == "venue"
    assert confirmed.expires_at is None
    announcement = OutboxMessage.objects.get(kind="bookings.confirmed")
    assert (announcement.queue, announcement.payload) == (
        "urgent",
        {"booking": booking.pk, "guest": guest.pk, "at": NOW.isoformat()},
    )
    # The request only wrote that row: mail, notifications and the reminder are the worker's.
    assert not OutboxMessage.objects.filter(kind__in=["bookings.remind", "email.send"]).exists()
    assert not Notification.objects.exists()
    assert_seats_consistent(slot)
    # Confirming again answers the same booking.
    assert (
        services.confirm_booking(guest=guest, reference=booking.reference, now=NOW).pk == booking.pk
    )


def test_someone_elses_hold_is_not_found(guest: User, other_guest: User, slot: Slot) -> None:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    with pytest.raises(NotFound):
        services.confirm_booking(guest=other_guest, reference=booking.reference, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.HELD


def test_an_expired_hold_counts_as_free_and_is_released_for_a_newcomer(
    guest: User, other_guest: User, slot: Slot
) -> None:
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    first = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    later = NOW + timedelta(minutes=11)

    second = services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=later)

    first.refresh_from_db()
    assert first.status == Booking.Status.EXPIRED
    assert second.status == Booking.Status.HELD
    assert_seats_consistent(slot)
    with pytest.raises(HoldExpired):
        services.confirm_booking(guest=guest, reference=first.reference, now=later)


def test_a_late_confirm_retakes_free_seats(guest: User, slot: Slot) -> None:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    later = NOW + timedelta(minutes=30)
    assert services.expire_booking(booking_id=booking.pk, now=later)
    assert_seats_consistent(slot)

    confirmed = services.confirm_booking(guest=guest, reference=booking.reference, now=later)

    assert confirmed.status == Booking.Status.CONFIRMED
    assert_seats_consistent(slot)
    assert slot.seats_taken == 2


def test_expire_is_idempotent_and_leaves_confirmed_bookings(guest: User, slot: Slot) -> None:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)

    assert not services.expire_booking(booking_id=booking.pk, now=NOW + timedelta(hours=1))
    assert_seats_consistent(slot)
    assert slot.seats_taken == 2


def test_a_request_waits_for_the_host(
    guest: User, host: HostProfile, other_host: HostProfile, slot: Slot
) -> None:
    Listing.objects.filter(pk=slot.listing_id).update(instant_booking=False)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert booking.status == Booking.Status.REQUESTED
    assert booking.expires_at == NOW + timedelta(hours=24)
    with pytest.raises(InvalidBookingState):
        services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)
    with pytest.raises(NotFound):
        services.accept_request(host=other_host, reference=booking.reference, now=NOW)

    accepted = services.accept_request(host=host, reference=booking.reference, now=NOW)

    assert accepted.status == Booking.Status.CONFIRMED
    assert accepted.expires_at is None
    assert_seats_consistent(slot)


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_a_suspended_host_cannot_answer_a_request(
    guest: User, host: HostProfile, slot: Slot, answer: str
) -> None:
    Listing.objects.filter(pk=slot.listing_id).update(instant_booking=False)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    HostProfile.objects.filter(pk=host.pk).update(suspended_at=NOW)
    host.refresh_from_db()

    def answer_it() -> None:
        if answer == "accept":
            services.accept_request(host=host, reference=booking.reference, now=NOW)
        else:
            services.decline_request(host=host, reference=booking.reference, reason="", now=NOW)

    with pytest.raises(HostSuspended):
        answer_it()

    booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED
    assert_seats_consistent(slot)
    assert slot.seats_taken == 2


def test_an_unanswered_request_declines_itself(guest: User, slot: Slot) -> None:
    Listing.objects.filter(pk=slot.listing_id).update(instant_booking=False)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)

    assert services.expire_booking(booking_id=booking.pk, now=NOW + timedelta(hours=25))

    booking.refresh_from_db()
    assert booking.status == Booking.Status.DECLINED
    assert_seats_consistent(slot)
    assert slot.seats_taken == 0
