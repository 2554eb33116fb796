from datetime import date, time, timedelta
from typing import Any

import pytest
from django.db.models import Sum

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import (
    AlreadyWaiting,
    InvalidBookingState,
    InvalidTransfer,
    InvalidTransferLink,
    SeatsAvailable,
    TransferNotForYou,
)
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, UserFactory
from outings.common.errors import NotFound
from outings.common.models import OutboxMessage
from outings.notifications.models import Notification
from outings.scheduling import services as scheduling
from outings.scheduling.models import Slot
from outings.scheduling.rules import CapacityBelowSeatsTaken, ScheduleData

pytestmark = pytest.mark.django_db
Entry = WaitlistEntry.Status


def book(guest: User, slot: Slot, seats: int) -> Booking:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=NOW)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)


def consistent(slot: Slot) -> int:
    slot.refresh_from_db()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    assert slot.seats_taken == (active.aggregate(n=Sum("seats"))["n"] or 0)
    return slot.seats_taken


@pytest.fixture
def full_slot(slot: Slot, guest: User) -> tuple[Slot, Booking, Booking]:
    """10 seats: guest A has 3 and 2, a stranger has 5."""
    a3, a2 = book(guest, slot, 3), book(guest, slot, 2)
    book(UserFactory.create(), slot, 5)
    return slot, a3, a2


def test_joining_is_refused_while_seats_are_free(other_guest: User, slot: Slot) -> None:
    with pytest.raises(SeatsAvailable):
        services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)
    assert not WaitlistEntry.objects.exists()


def test_a_guest_waits_once_per_date(full_slot: tuple[Slot, Booking, Booking]) -> None:
    slot = full_slot[0]
    waiter = UserFactory.create()
    services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)
    with pytest.raises(AlreadyWaiting):
        services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=1, now=NOW)
    assert WaitlistEntry.objects.count() == 1


def test_freed_seats_go_to_the_first_entry_that_fits_whole(
    guest: User, full_slot: tuple[Slot, Booking, Booking]
) -> None:
    slot, _a3, a2 = full_slot
    four, two, one = UserFactory.create(), UserFactory.create(), UserFactory.create()
    e4 = services.join_waitlist(guest=four, slot_id=slot.pk, seats=4, now=NOW)
    e2 = services.join_waitlist(guest=two, slot_id=slot.pk, seats=2, now=NOW)
    e1 = services.join_waitlist(guest=one, slot_id=slot.pk, seats=1, now=NOW)

    services.cancel_booking(guest=guest, reference=a2.reference, now=NOW)

    # Two seats free: the party of four does not fit and is not offered half; the party of two
    # is offered both seats; nothing is left for the party of one.
    for entry in (e4, e2, e1):
        entry.refresh_from_db()
    assert (e4.status, e2.status, e1.status) == (Entry.WAITING, Entry.OFFERED, Entry.WAITING)
    offer = Booking.objects.get(waitlist_entry=e2)
    assert (offer.status, offer.seats, offer.guest) == ("held", 2, two)
    assert offer.expires_at == NOW + timedelta(minutes=120)
    assert Notification.objects.filter(user=two, kind="waitlist.offer").exists()
    assert consistent(slot) == 10


def test_seats_a_host_adds_go_to_the_waiting_list_first(
    host: HostProfile, full_slot: tuple[Slot, Booking, Booking]
) -> None:
    slot = full_slot[0]
    three, two = UserFactory.create(), UserFactory.create()
    e3 = services.join_waitlist(guest=three, slot_id=slot.pk, seats=3, now=NOW)
    e2 = services.join_waitlist(guest=two, slot_id=slot.pk, seats=2, now=NOW)

    # Two more seats: the party of three does not fit, the party of two gets both.
    changed = services.change_slot_capacity(host=host, slot_id=slot.pk, capacity=12, now=NOW)

    e3.refresh_from_db()
    e2.refresh_from_db()
    assert (e3.status, e2.status) == (Entry.WAITING, Entry.OFFERED)
    assert (changed.capacity, changed.seats_taken) == (12, 12)
    assert consistent(slot) == 12

    # Three more: the party of three now fits.
    services.change_slot_capacity(host=host, slot_id=slot.pk, capacity=15, now=NOW)
    e3.refresh_from_db()
    assert e3.status == Entry.OFFERED
    assert consistent(slot) == 15

    # Lowering is refused below the seats taken, and another host's date is not found.
    with pytest.raises(CapacityBelowSeatsTaken):
        services.change_slot_capacity(host=host, slot_id=slot.pk, capacity=14, now=NOW)
    with pytest.raises(NotFound):
        services.change_slot_capacity(
            host=HostProfileFactory.create(), slot_id=slot.pk, capacity=20, now=NOW
        )
    assert consistent(slot) == 15


def test_seats_a_schedule_rule_adds_go_to_its_dates_waiting_lists(
    host: HostProfile, listing: Listing
) -> None:
    rule: dict[str, Any] = {
        "weekdays": [0],
        "start_times": [time(10)],
        "valid_from": date(2030, 5, 6),
        "valid_until": date(2030, 5, 12),
    }
    schedule = scheduling.create_schedule(
        host=host, listing_id=listing.pk, data=ScheduleData(**rule, capacity=2), now=NOW
    )
    slot = Slot.objects.get(schedule=schedule)
    book(UserFactory.create(), slot, 2)
    waiter = UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)

    services.update_schedule(
        host=host, schedule_id=schedule.pk, data=ScheduleData(**rule, capacity=3), now=NOW
    )
    entry.refresh_from_db()
    assert entry.status == Entry.WAITING  # one more seat: the party of two is not split
    services.update_schedule(
        host=host, schedule_id=schedule.pk, data=ScheduleData(**rule, capacity=4), now=NOW
    )

    entry.refresh_from_db()
    assert entry.status == Entry.OFFERED
    assert Booking.objects.get(waitlist_entry=entry).guest == waiter
    assert consistent(slot) == 4


def test_a_lapsed_offer_passes_to_the_next_entry(
    guest: User, full_slot: tuple[Slot, Booking, Booking]
) -> None:
    slot, _a3, a2 = full_slot
    first, second = UserFactory.create(), UserFactory.create()
    e1 = services.join_waitlist(guest=first, slot_id=slot.pk, seats=2, now=NOW)
    e2 = services.join_waitlist(guest=second, slot_id=slot.pk, seats=2, now=NOW)
    services.cancel_booking(guest=guest, reference=a2.reference, now=NOW)
    offer = Booking.objects.get(waitlist_entry=e1)

    later = NOW + timedelta(minutes=121)
    assert services.expire_booking(booking_id=offer.pk, now=later)

    e1.refresh_from_db()
    e2.refresh_from_db()
    assert (e1.status, e2.status) == (Entry.LAPSED, Entry.OFFERED)
    assert Booking.objects.get(waitlist_entry=e2).guest == second
    assert consistent(slot) == 10


def test_an_offer_confirmed_marks_the_entry_booked(
    guest: User, full_slot: tuple[Slot, Booking, Booking]
) -> None:
    slot, _a3, a2 = full_slot
    waiter = UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)
    services.cancel_booking(guest=guest, reference=a2.reference, now=NOW)
    offer = Booking.objects.get(waitlist_entry=entry)

    services.confirm_booking(guest=waiter, reference=offer.reference, now=NOW)

    entry.refresh_from_db()
    assert entry.status == Entry.BOOKED
    assert consistent(slot) == 10


def test_leaving_with_an_open_offer_passes_it_on(
    guest: User, full_slot: tuple[Slot, Booking, Booking]
) -> None:
    slot, _a3, a2 = full_slot
    first, second = UserFactory.create(), UserFactory.create()
    e1 = services.join_waitlist(guest=first, slot_id=slot.pk, seats=2, now=NOW)
    e2 = services.join_waitlist(guest=second, slot_id=slot.pk, seats=1, now=NOW)
    services.cancel_booking(guest=guest, reference=a2.reference, now=NOW)
    assert Booking.objects.filter(waitlist_entry=e2).count() == 0

    services.leave_waitlist(guest=first, entry_id=e1.pk, now=NOW)

    e1.refresh_from_db()
    e2.refresh_from_db()
    assert (e1.status, e2.status) == (Entry.LEFT, Entry.OFFERED)
    assert consistent(slot) == 9
    with pytest.raises(InvalidBookingState):
        services.leave_waitlist(guest=first, entry_id=e1.pk, now=NOW)
    with pytest.raises(NotFound):
        services.leave_waitlist(guest=first, entry_id=e2.pk, now=NOW)


def test_a_transfer_moves_the_booking_when_the_named_person_accepts(
    guest: User, slot: Slot
) -> None:
    booking = book(guest, slot, 2)
    friend = UserFactory.create(email="Friend@Example.org")

    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="friend@example.org", now=NOW
    )
    assert OutboxMessage.objects.filter(
        kind="email.send", payload__to="friend@example.org"
    ).exists()
    with pytest.raises(TransferNotForYou):
        services.accept_transfer(user=UserFactory.create(), secret=secret, now=NOW)

    moved = services.accept_transfer(user=friend, secret=secret, now=NOW)

    assert moved.guest == friend
    assert Transfer.objects.get().status == Transfer.Status.ACCEPTED
    assert Notification.objects.filter(user=guest, kind="booking.transferred").exists()
    assert Notification.objects.filter(
        user=slot.listing.host.user, kind="booking.transferred"
    ).exists()
    with pytest.raises(InvalidTransferLink):
        services.accept_transfer(user=friend, secret=secret, now=NOW)
    with pytest.raises(NotFound):
        services.offer_transfer(
            guest=guest, reference=booking.reference, to_email="x@example.org", now=NOW
        )
    assert consistent(slot) == 2


@pytest.mark.parametrize("address", ["guest.a@example.org", "GUEST.A@example.org", "nope", ""])
def test_a_transfer_to_oneself_or_a_malformed_address_is_refused(
    guest: User, slot: Slot, address: str
) -> None:
    booking = book(guest, slot, 2)
    with pytest.raises(InvalidTransfer):
        services.offer_transfer(guest=guest, reference=booking.reference, to_email=address, now=NOW)
    assert not Transfer.objects.exists()


def test_a_hold_cannot_be_transferred(guest: User, slot: Slot) -> None:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=NOW)
    with pytest.raises(InvalidBookingState):
        services.offer_transfer(
            guest=guest, reference=booking.reference, to_email="f@example.org", now=NOW
        )


def test_cancelling_withdraws_a_pending_transfer(guest: User, slot: Slot) -> None:
    booking = book(guest, slot, 2)
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="f@example.org", now=NOW
    )
    services.cancel_booking(guest=guest, reference=booking.reference, now=NOW)

    assert Transfer.objects.get().status == Transfer.Status.WITHDRAWN
    with pytest.raises(InvalidTransferLink):
        services.accept_transfer(
            user=UserFactory.create(email="f@example.org"), secret=secret, now=NOW
        )
