"""Review (session 23): a host lowering a date's capacity (one date's, or a weekly rule's) was
refused ("4 seats are already taken ...") while those seats were a hold or a request whose time
had run out before the sweep recorded it, though every read already showed them free (issue
7: expiry is exact). The capacity change now lapses them first, as the sweep would (and as a
hold finding the date full does), and goes on; the seats it keeps free go to the waiting list
after the change, as any seats a capacity change frees. A hold still running is still counted
(the control)."""

from datetime import timedelta

import pytest

from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.models import Listing
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import CapacityBelowSeatsTaken
from outings.scheduling.tests.test_review_session22_lapsed import (
    LATER,
    NOW,
    booked,
    guest,  # noqa: F401 - a fixture
    listing,  # noqa: F401 - a fixture
    wednesday,
    weekly,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]


def _seats(slot: Slot) -> tuple[int, int]:
    slot.refresh_from_db()
    return slot.capacity, slot.seats_taken


@pytest.mark.parametrize("request_", [False, True], ids=["hold", "request"])
def test_a_date_whose_seats_are_lapsed_holds_takes_a_lower_capacity(
    listing: Listing,  # noqa: F811 - the fixture imported above
    guest: User,  # noqa: F811 - the fixture imported above
    request_: bool,
) -> None:
    slot = wednesday(listing)
    lapsed = booked(listing, guest, slot, at=NOW, request=request_)

    bookings.change_slot_capacity(host=listing.host, slot_id=slot.pk, capacity=1, now=LATER)

    assert _seats(slot) == (1, 0)
    lapsed.refresh_from_db()
    assert lapsed.status == (Booking.Status.DECLINED if request_ else Booking.Status.EXPIRED)
    assert (lapsed.ended_at, lapsed.cancelled_by) == (LATER, "")


def test_a_rules_lower_capacity_is_taken_too(
    listing: Listing,  # noqa: F811 - the fixture imported above
    guest: User,  # noqa: F811 - the fixture imported above
) -> None:
    slot = wednesday(listing)
    lapsed = booked(listing, guest, slot, at=NOW, request=False)
    schedule = Schedule.objects.get(listing=listing)

    bookings.update_schedule(
        host=listing.host, schedule_id=schedule.pk, data=weekly(capacity=1), now=LATER
    )

    assert _seats(slot) == (1, 0)
    lapsed.refresh_from_db()
    assert lapsed.status == Booking.Status.EXPIRED


def test_seats_the_change_keeps_free_go_to_the_waiting_list(
    listing: Listing,  # noqa: F811 - the fixture imported above
    guest: User,  # noqa: F811 - the fixture imported above
) -> None:
    """Eight seats: six held until NOW + 10 minutes, two confirmed; a guest waits for two. The
    host lowers the date to six seats once the hold ran out: its six seats are given back,
    the two confirmed stay, and the entry is offered two of the four left free."""
    slot = wednesday(listing)
    held = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=6, now=NOW)
    other = UserFactory.create(email="other@example.org")
    mine = bookings.hold_seats(guest=other, slot_id=slot.pk, seats=2, now=NOW)
    bookings.confirm_booking(guest=other, reference=mine.reference, now=NOW)
    waiting = UserFactory.create(email="waiting@example.org")
    entry = bookings.join_waitlist(guest=waiting, slot_id=slot.pk, seats=2, now=NOW)

    bookings.change_slot_capacity(
        host=listing.host, slot_id=slot.pk, capacity=6, now=NOW + timedelta(minutes=11)
    )

    held.refresh_from_db()
    entry.refresh_from_db()
    assert (held.status, entry.status) == (Booking.Status.EXPIRED, WaitlistEntry.Status.OFFERED)
    assert _seats(slot) == (6, 4)


def test_a_hold_still_running_still_counts(
    listing: Listing,  # noqa: F811 - the fixture imported above
    guest: User,  # noqa: F811 - the fixture imported above
) -> None:
    slot = wednesday(listing)
    running = booked(listing, guest, slot, at=LATER - timedelta(minutes=5), request=False)

    with pytest.raises(CapacityBelowSeatsTaken):
        bookings.change_slot_capacity(host=listing.host, slot_id=slot.pk, capacity=1, now=LATER)

    assert _seats(slot) == (8, 2)
    running.refresh_from_db()
    assert running.status == Booking.Status.HELD
