"""Review (session 17): a hold that has not lapsed confirmed, or a request accepted, at the moment
staff move its date's start into the past. The confirm read the date with the booking, locking
only the booking, and staff's move locks only the date: the booking was confirmed on a date that
had begun. The confirm's read now also takes a key-share lock on the date's row, so it waits for
a move (or a cancellation) under way and reads the date as it left it; it takes no new
statement. Each side in its own thread and connection (test_races_session13.race); personas
come from conftest.py."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import HoldExpired, InvalidBookingState, SlotUnavailable
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_races_session13 import book, race
from outings.bookings.tests.test_races_session16_seats import _nudges, change_of, staff_client
from outings.bookings.tests.test_waitlist_and_transfer import consistent
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.common.tests.connections import other_connection
from outings.scheduling.models import Slot

__all__ = ["_nudges", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_hold_confirmed_while_staff_move_its_date_into_the_past_is_not_confirmed(
    guest: User, host: HostProfile, slot: Slot, staff_client: Client
) -> None:
    """Bug: A's hold (not lapsed) is confirmed while staff correct the date's start to half an
    hour before the confirm's `now`. The confirm read the start as it was before the move and
    confirmed: a booking for a date that had already begun. It now waits for the move and
    answers as for any hold whose date has started: 409 hold_expired."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)

    changing, confirming = race(
        change_of("started", slot=slot, host=host, staff_client=staff_client, now=NOW),
        lambda: services.confirm_booking(guest=guest, reference=held.reference, now=NOW),
    )

    assert changing.error is None
    assert isinstance(confirming.error, HoldExpired)
    assert (confirming.error.code, confirming.error.status_code) == ("hold_expired", 409)
    assert confirming.error.message == "This date has started; the hold lapsed."
    held.refresh_from_db()
    assert (held.status, held.confirmed_at) == (Booking.Status.HELD, None)
    assert consistent(slot) == 2
    assert slot.starts_at == NOW - timedelta(minutes=30)


def refused_as_started(
    act: Callable[[], object], *, slot: Slot, host: HostProfile, staff_client: Client
) -> None:
    """`act` runs while staff move the date's start to half an hour before NOW, and waits for
    them: it is refused as on a date that has started (409 invalid_state)."""
    changing, acting = race(
        change_of("started", slot=slot, host=host, staff_client=staff_client, now=NOW), act
    )

    assert changing.error is None
    assert isinstance(acting.error, InvalidBookingState)
    assert acting.error.message == "This date has already started."


def test_a_request_accepted_while_staff_move_its_date_into_the_past_is_not_confirmed(
    guest: User, host: HostProfile, listing: Listing, staff_client: Client
) -> None:
    """The host's yes to a request is a confirmation too: it read the request locked and never
    its date's start, so it confirmed a request on a date staff had just moved into the past
    (or had moved there earlier: a request's deadline is the start it had when it was made)."""
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    slot = SlotFactory.create(listing=listing, capacity=10)
    asked = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert asked.status == Booking.Status.REQUESTED

    # The request lapses at its date's start at the latest: refused as the guest's confirm of
    # a hold is (409 hold_expired, saying the date started).
    changing, accepting = race(
        change_of("started", slot=slot, host=host, staff_client=staff_client, now=NOW),
        lambda: services.accept_request(host=host, reference=asked.reference, now=NOW),
    )

    assert changing.error is None
    assert isinstance(accepting.error, HoldExpired)
    assert accepting.error.message == "This date has started; the request lapsed."

    asked.refresh_from_db()
    assert (asked.status, asked.confirmed_at) == (Booking.Status.REQUESTED, None)
    assert consistent(slot) == 2


def test_a_confirmation_counting_a_minimum_passes_another_confirms_lock_on_the_date(
    guest: User, listing: Listing
) -> None:
    """Part of the fix above: every confirm now holds a key share on its date's row, and a
    confirmation on a listing with a minimum then locks that row to count (holds.tell_if_on).
    Locked FOR UPDATE, it waited for the key share of another confirm under way on the date,
    which would in turn wait for it: two confirmations at once deadlocked. FOR NO KEY UPDATE
    passes a key share (and still makes two counts wait for each other). Here another session
    holds the key share, as the other confirm would; lock_timeout ends a wait after 2 s."""
    Listing.objects.filter(pk=listing.pk).update(min_guests=1)
    slot = SlotFactory.create(listing=listing, capacity=10)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)

    other = other_connection()
    try:
        other.execute("SELECT id FROM scheduling_slot WHERE id = %s FOR KEY SHARE", [slot.pk])
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            confirmed = services.confirm_booking(guest=guest, reference=held.reference, now=NOW)
    finally:
        other.rollback()
        other.close()

    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.told_on_at) == (Booking.Status.CONFIRMED, NOW)
    assert consistent(slot) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("cancelled", "This date was cancelled; pick another."),
        ("started", "This date has started; pick another."),
    ],
)
def test_joining_a_waiting_list_while_its_date_is_cancelled_or_started_is_refused_as_such(
    guest: User,
    other_guest: User,
    host: HostProfile,
    listing: Listing,
    staff_client: Client,
    change: str,
    message: str,
) -> None:
    """Bug: A joins the waiting list of a full date at the moment its host cancels it, or staff
    move its start to before A's `now`. join_waitlist read the date open and to come without a
    lock, then counted its seats under the lock, after the change: the cancellation had freed
    every seat, so A was told to book them (409 seats_available, on a cancelled date); on the
    date that had begun A was put on its list, to wait for seats that would never be offered.
    The date is now read with its seats, under that lock: 409 slot_unavailable, saying which."""
    slot = SlotFactory.create(listing=listing, capacity=2)
    book(other_guest, slot, 2)

    changing, joining = race(
        change_of(change, slot=slot, host=host, staff_client=staff_client, now=NOW),
        lambda: services.join_waitlist(guest=guest, slot_id=slot.pk, seats=1, now=NOW),
    )

    assert changing.error is None
    assert isinstance(joining.error, SlotUnavailable)
    assert joining.error.message == message
    assert not WaitlistEntry.objects.exists()


def test_a_booking_cancelled_while_staff_move_its_date_into_the_past_is_not_cancelled(
    guest: User, host: HostProfile, slot: Slot, staff_client: Client
) -> None:
    """Bug: A cancels a confirmed booking at the moment staff correct the date's start to half
    an hour before A's `now`. The cancellation read the start with the booking, locking only
    the booking: it cancelled a booking whose date had begun ("A date that has started cannot
    be cancelled") and recorded a refund by the policy for a start a day away. It now reads
    the start under a key share of the date's row, after the move: 409 invalid_state."""
    booking = book(guest, slot, 2)

    refused_as_started(
        lambda: services.cancel_booking(guest=guest, reference=booking.reference, now=NOW),
        slot=slot,
        host=host,
        staff_client=staff_client,
    )

    booking.refresh_from_db()
    assert (booking.status, booking.refund_due) == (Booking.Status.CONFIRMED, None)
    assert consistent(slot) == 2
