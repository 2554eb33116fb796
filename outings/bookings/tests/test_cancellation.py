from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Sum

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import InvalidBookingState
from outings.bookings.models import Booking, BookingEvent
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.services import HostSuspended
from outings.catalog.tests.factories import UserFactory
from outings.common.errors import NotFound
from outings.common.models import OutboxMessage
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

START = datetime(2030, 7, 1, 9, 0, tzinfo=UTC)


def confirmed(guest: User, slot: Slot, seats: int = 2) -> Booking:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=NOW)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)


def seats_taken(slot: Slot) -> int:
    slot.refresh_from_db()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    assert slot.seats_taken == (active.aggregate(n=Sum("seats"))["n"] or 0)
    return slot.seats_taken


@pytest.mark.parametrize(
    ("policy", "hours_before", "percent"),
    [
        ("flexible", 24, 100),
        ("flexible", 23, 0),
        ("moderate", 120, 100),
        ("moderate", 119, 50),
        ("moderate", 24, 50),
        ("moderate", 23, 0),
        ("strict", 168, 50),
        ("strict", 167, 0),
    ],
)
def test_refunds_follow_the_policy(policy: str, hours_before: int, percent: int) -> None:
    now = START - timedelta(hours=hours_before)
    assert services.refund_for(policy=policy, total=5001, starts_at=START, now=now) == (
        5001 * percent // 100
    )


def test_a_guest_cancels_and_gets_the_policy_refund(guest: User, slot: Slot) -> None:
    Listing.objects.filter(pk=slot.listing_id).update(cancellation_policy="strict")
    booking = confirmed(guest, slot)
    Listing.objects.filter(pk=slot.listing_id).update(cancellation_policy="flexible")

    cancelled = services.cancel_booking(guest=guest, reference=booking.reference, now=NOW)

    # Strict as booked (more than 7 days ahead: half), not the listing's policy of today.
    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.cancelled_by == Booking.Party.GUEST
    assert cancelled.refund_due == 2500
    assert seats_taken(slot) == 0
    assert OutboxMessage.objects.filter(kind="bookings.refund", payload__amount=2500).exists()
    host_user = slot.listing.host.user
    assert Notification.objects.filter(
        user=host_user, kind=Notification.Kind.BOOKING_CANCELLED_FOR_HOST
    ).exists()


def test_cancelling_twice_is_refused_and_changes_nothing(guest: User, slot: Slot) -> None:
    booking = confirmed(guest, slot)
    services.cancel_booking(guest=guest, reference=booking.reference, now=NOW)
    events = BookingEvent.objects.count()

    with pytest.raises(InvalidBookingState):
        services.cancel_booking(guest=guest, reference=booking.reference, now=NOW)

    assert seats_taken(slot) == 0
    assert BookingEvent.objects.count() == events


def test_a_started_date_cannot_be_cancelled(guest: User, slot: Slot) -> None:
    booking = confirmed(guest, slot)
    with pytest.raises(InvalidBookingState):
        services.cancel_booking(guest=guest, reference=booking.reference, now=slot.starts_at)
    assert seats_taken(slot) == 2


def test_another_guest_cannot_cancel(guest: User, other_guest: User, slot: Slot) -> None:
    booking = confirmed(guest, slot)
    with pytest.raises(NotFound):
        services.cancel_booking(guest=other_guest, reference=booking.reference, now=NOW)
    assert seats_taken(slot) == 2


def test_a_host_cancellation_refunds_everything_and_counts_against_the_host(
    guest: User, host: HostProfile, other_host: HostProfile, slot: Slot
) -> None:
    booking = confirmed(guest, slot, seats=3)
    with pytest.raises(NotFound):
        services.cancel_booking_as_host(
            host=other_host, reference=booking.reference, reason="", now=NOW
        )

    cancelled = services.cancel_booking_as_host(
        host=host, reference=booking.reference, reason="Storm warning", now=NOW
    )

    assert cancelled.refund_due == 7500
    assert cancelled.cancelled_by == Booking.Party.HOST
    assert cancelled.cancel_reason == "Storm warning"
    assert seats_taken(slot) == 0
    assert Notification.objects.filter(
        user=guest, kind=Notification.Kind.BOOKING_CANCELLED
    ).exists()
    event = BookingEvent.objects.get(booking=cancelled, action="cancelled")
    assert event.actor == host.user


def test_a_suspended_host_cannot_cancel(guest: User, host: HostProfile, slot: Slot) -> None:
    booking = confirmed(guest, slot)
    HostProfile.objects.filter(pk=host.pk).update(suspended_at=NOW)
    host.refresh_from_db()
    with pytest.raises(HostSuspended):
        services.cancel_booking_as_host(host=host, reference=booking.reference, reason="", now=NOW)
    assert seats_taken(slot) == 2


def test_staff_cancel_with_a_logged_reason(guest: User, slot: Slot) -> None:
    booking = confirmed(guest, slot)
    staff = UserFactory.create(is_staff=True, permissions=["bookings.change_booking"])
    with pytest.raises(NotFound):
        services.cancel_booking_as_staff(
            staff=guest, reference=booking.reference, reason="x", now=NOW
        )

    services.cancel_booking_as_staff(
        staff=staff, reference=booking.reference, reason="Fraud report", now=NOW
    )

    event = BookingEvent.objects.get(booking=booking, action="cancelled")
    assert (event.actor, event.note) == (staff, "Fraud report")
    assert seats_taken(slot) == 0


def test_a_host_cancels_a_booked_date(
    guest: User, other_guest: User, host: HostProfile, slot: Slot
) -> None:
    first, second = confirmed(guest, slot), confirmed(other_guest, slot, seats=1)

    services.cancel_slot(host=host, slot_id=slot.pk, reason="Ill", now=NOW)

    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED
    assert seats_taken(slot) == 0
    for booking in (first, second):
        booking.refresh_from_db()
        assert (booking.status, booking.refund_due) == ("cancelled", booking.total_price)
    with pytest.raises(InvalidBookingState):
        services.cancel_slot(host=host, slot_id=slot.pk, reason="", now=NOW)


def test_another_hosts_date_is_not_found(other_host: HostProfile, slot: Slot) -> None:
    with pytest.raises(NotFound):
        services.cancel_slot(host=other_host, slot_id=slot.pk, reason="", now=NOW)
    slot.refresh_from_db()
    assert slot.status == Slot.Status.OPEN


def test_a_date_below_its_minimum_at_the_cut_off_is_cancelled(guest: User, slot: Slot) -> None:
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=4, min_guests_cutoff_hours=48)
    booking = confirmed(guest, slot, seats=3)
    before_cutoff = slot.starts_at - timedelta(hours=49)
    assert services.slots_due_for_minimum(now=before_cutoff) == []

    at_cutoff = slot.starts_at - timedelta(hours=48)
    assert services.slots_due_for_minimum(now=at_cutoff) == [slot.pk]
    assert services.decide_minimum(slot_id=slot.pk, now=at_cutoff)

    booking.refresh_from_db()
    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED
    assert (booking.status, booking.cancelled_by) == ("cancelled", "system")
    assert booking.refund_due == booking.total_price
    assert Notification.objects.filter(user=guest, kind="booking.cancelled").exists()
    # Decided once.
    assert not services.decide_minimum(slot_id=slot.pk, now=at_cutoff)
    assert services.slots_due_for_minimum(now=at_cutoff) == []


def test_reaching_the_minimum_tells_everyone_it_is_on(
    guest: User, other_guest: User, slot: Slot
) -> None:
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=4)
    confirmed(guest, slot, seats=2)
    assert not Notification.objects.filter(kind="slot.minimum_met").exists()

    confirmed(other_guest, slot, seats=2)

    told = set(Notification.objects.filter(kind="slot.minimum_met").values_list("user", flat=True))
    assert told == {guest.pk, other_guest.pk}
    at_cutoff = slot.starts_at - timedelta(hours=48)
    assert not services.decide_minimum(slot_id=slot.pk, now=at_cutoff)
    slot.refresh_from_db()
    assert (slot.status, slot.minimum_checked_at) == ("open", at_cutoff)
