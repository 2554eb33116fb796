"""Review (session 18): a hold, or a waiting-list offer, made while staff move its date's start.
It read the date before the move committed and waited for the date's row to take its seats
(the seat UPDATE); its deadline came from the start it had read, so a hold taken at that moment
kept a deadline past the new start until the move's handler (retime_bookings) brought it in
line: it showed as held, its seats taken, after the date began. The deadline is now taken from
the start the seat UPDATE returns, which is the row as the move committed it. Each side in its
own thread and connection (test_races_session13.race). Personas come from conftest.py."""

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
from outings.bookings.tests.test_review_session17_deadlines import expiry_due
from outings.bookings.tests.test_waitlist_and_transfer import consistent
from outings.catalog.tests.factories import UserFactory
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

__all__ = ["_nudges", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_hold_taken_while_staff_move_the_start_earlier_lapses_at_the_new_start(
    guest: User, slot: Slot, staff_client: Client
) -> None:
    """The date starts in a month; staff correct it to NOW + 4 minutes while A holds 2 seats
    at NOW (10 minutes). A's hold read the old start, then waited for the date's row. It kept
    NOW + 10 minutes, 6 minutes past the start, until the move's handler ran."""
    new_start = NOW + timedelta(minutes=4)

    moving, holding = race(
        lambda: move_in_admin(staff_client, slot, starts_at=new_start),
        lambda: services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW),
    )

    assert moving.error is None
    assert holding.error is None
    held = Booking.objects.get()
    assert held.expires_at == new_start
    assert expiry_due(held) == [new_start]
    assert isinstance(holding.value, Booking)
    assert holding.value.slot.starts_at == new_start  # the answer gives the date as it is
    assert consistent(slot) == 2


def test_seats_offered_to_the_waiting_list_while_staff_move_the_start_lapse_at_it(
    guest: User, other_guest: User, slot: Slot, staff_client: Client
) -> None:
    """A date of 10 seats, full: A holds 2 (not confirmed), two strangers have 4 each
    confirmed, B waits for 2. A's hold lapses; the sweep ends it at the moment staff move the
    start to half an hour after that. The sweep read the date with A's booking, before the
    move, and waited for its row to give the seats back; B's offer (120 minutes) lapsed at the
    old start, weeks away, until the move's handler ran, and its notice gave the old
    start."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    book(UserFactory.create(), slot, 4)
    book(UserFactory.create(), slot, 4)
    entry = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)
    assert held.expires_at is not None
    later = held.expires_at + timedelta(minutes=1)
    new_start = later + timedelta(minutes=30)

    moving, sweeping = race(
        lambda: move_in_admin(staff_client, slot, starts_at=new_start),
        lambda: services.expire_booking(booking_id=held.pk, now=later),
    )

    assert moving.error is None
    assert sweeping.value is True
    offer = Booking.objects.get(waitlist_entry=entry)
    assert offer.status == Booking.Status.HELD
    assert offer.expires_at == new_start
    assert expiry_due(offer) == [new_start]
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    notice = Notification.objects.get(user=other_guest, kind=Notification.Kind.WAITLIST_OFFER)
    assert notice.data["starts_at"] == new_start.isoformat()  # B reads the date as it is
    assert consistent(slot) == 10
