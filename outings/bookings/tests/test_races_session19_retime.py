"""Review (session 19): a guest takes seats on a date, or joins its waiting list, while staff
move its start. The hold (or the join) read the date before the move committed and waited for
its row; it took its seats at the new time (the seat UPDATE reads the row as the move left it:
test_review_session18_deadlines.py). The move's handler then told every active booking on the
date, and everyone waiting on it, that the date moved, this one too: "New time ... which was on
<the old start>" about a booking made, or a place taken, at the new time already. Now the move
records the last booking and waiting-list entry made before it (under the date's row lock,
which the hold and the join wait for), and its handler tells only those. Personas come from
conftest.py; each side in its own thread and connection (test_races_session13.race)."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_races_session13 import book, race
from outings.bookings.tests.test_races_session16_seats import _nudges, staff_client
from outings.bookings.tests.test_review_session13_announcements import move_in_admin
from outings.catalog.tests.factories import UserFactory
from outings.common.outbox.testing import deliver
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

__all__ = ["_nudges", "staff_client"]  # fixtures

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("in_memory_channel_layer"),
]

MOVED = Notification.Kind.BOOKING_RETIMED


def _while_moved(staff_client: Client, slot: Slot, work: Callable[[], object]) -> object:
    """Staff move `slot` an hour later in the admin while `work` runs in another session (it
    waits for the date's row, then goes on); the move's handler then runs, as a worker would.
    What `work` returned; `slot` as it now is."""
    new_start = slot.starts_at + timedelta(hours=1)

    moving, working = race(lambda: move_in_admin(staff_client, slot, starts_at=new_start), work)
    deliver("default")

    assert moving.error is None
    assert working.error is None, working.error
    slot.refresh_from_db()
    return working.value


def test_a_hold_taken_while_staff_move_the_start_is_not_told_of_the_move(
    guest: User, other_guest: User, slot: Slot, staff_client: Client
) -> None:
    """A booked 2 seats for the date at 10:00; staff move it to 11:00 while B holds 2: B's
    hold waited for the move and was taken at 11:00. Only A is told."""
    booked = book(guest, slot, 2)

    held_now = _while_moved(
        staff_client,
        slot,
        lambda: services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW),
    )

    assert isinstance(held_now, Booking)
    assert held_now.slot.starts_at == slot.starts_at  # the new start
    told = Notification.objects.filter(kind=MOVED)
    assert [(n.user_id, n.data["reference"]) for n in told] == [(guest.pk, booked.reference)]
    held = Booking.objects.get(pk=held_now.pk)
    assert held.version == held_now.version  # not moved by a move it was made after


def test_a_guest_joining_the_waiting_list_while_staff_move_the_start_is_not_told_of_it(
    guest: User, other_guest: User, slot: Slot, staff_client: Client
) -> None:
    """The date is full (A has 6 of its 10 seats, a stranger 4); B waits for 2 already; staff
    move it while C joins its list: C joined at the new time. A, the stranger and B are told,
    C is not."""
    book(guest, slot, 6)
    stranger = UserFactory.create()
    book(stranger, slot, 4)
    services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)
    late = UserFactory.create()

    joined = _while_moved(
        staff_client,
        slot,
        lambda: services.join_waitlist(guest=late, slot_id=slot.pk, seats=2, now=NOW),
    )

    assert isinstance(joined, WaitlistEntry)
    told = set(Notification.objects.filter(kind=MOVED).values_list("user_id", flat=True))
    assert told == {guest.pk, stranger.pk}
    waiting_told = Notification.objects.filter(kind=Notification.Kind.WAITLIST_MOVED)
    assert set(waiting_told.values_list("user_id", flat=True)) == {other_guest.pk}
