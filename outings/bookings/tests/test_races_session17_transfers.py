"""Review (session 17): a booking handed on at the moment its date changes. Offering and accepting
a transfer read the date's start with the booking, locking only the booking, and staff's move
locks only the date: a booking was offered, or moved to its new guest, on a date that had begun.
Both now read the start under a key share of the date's row (core.start_locked, after the
booking's lock: the app's lock order), so they wait for a move under way and read the date as
it left it. A host cancelling the date locks its bookings first: the transfer waits for it and
reads the booking cancelled. Each side in its own thread and connection
(test_races_session13.race); personas come from conftest.py."""

from datetime import timedelta

import pytest
from django.test import Client

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import InvalidBookingState
from outings.bookings.models import Booking, Transfer
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_races_session13 import book, offered, race
from outings.bookings.tests.test_races_session16_seats import _nudges, change_of, staff_client
from outings.bookings.tests.test_waitlist_and_transfer import consistent
from outings.scheduling.models import Slot

__all__ = ["_nudges", "offered", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = {
    "cancelled": "Only a confirmed booking can be handed on.",
    "started": "This date has already started.",
}


@pytest.mark.parametrize("change", ["started", "cancelled"])
def test_a_booking_offered_while_its_date_starts_or_is_cancelled_is_not_offered(
    guest: User,
    other_guest: User,
    host: HostProfile,
    slot: Slot,
    staff_client: Client,
    change: str,
) -> None:
    """Bug (started): A offers a confirmed booking to B at the moment staff correct the date's
    start to half an hour before A's `now`. The offer read the start as it was before the move:
    B was mailed a link to a date that had begun. It now waits for the move: 409
    invalid_state, no offer, no mail. Pinned (cancelled): the host's cancellation locks the
    booking first, the offer waits for it and finds the booking cancelled."""
    booking = book(guest, slot, 2)

    changing, offering = race(
        change_of(change, slot=slot, host=host, staff_client=staff_client, now=NOW),
        lambda: services.offer_transfer(
            guest=guest, reference=booking.reference, to_email=other_guest.email, now=NOW
        ),
    )

    assert changing.error is None
    assert isinstance(offering.error, InvalidBookingState)
    assert (offering.error.code, offering.error.status_code) == ("invalid_state", 409)
    assert offering.error.message == REFUSED[change]
    assert not Transfer.objects.exists()
    booking.refresh_from_db()
    assert booking.guest_id == guest.pk
    assert booking.status == (
        Booking.Status.CONFIRMED if change == "started" else Booking.Status.CANCELLED
    )


@pytest.mark.parametrize("change", ["started", "cancelled"])
def test_a_transfer_accepted_while_its_date_starts_or_is_cancelled_moves_nothing(
    guest: User,
    other_guest: User,
    host: HostProfile,
    slot: Slot,
    staff_client: Client,
    offered: tuple[Booking, str],
    change: str,
) -> None:
    """Bug (started): B accepts A's offer at the moment staff move the date's start to before
    B's `now`. The accept read the start before the move and handed the booking to B: a booking
    of a date that had begun changed hands (B got "Booked" with an invite for it). It now waits
    for the move: 409 invalid_state, the booking stays A's, the offer pending (it can no longer
    be taken: the link's page says the date has started). Pinned (cancelled): the accept waits
    for the host's cancellation and finds the booking cancelled (its offer withdrawn)."""
    booking, secret = offered

    changing, accepting = race(
        change_of(change, slot=slot, host=host, staff_client=staff_client, now=NOW),
        lambda: services.accept_transfer(user=other_guest, secret=secret, now=NOW),
    )

    assert changing.error is None
    assert isinstance(accepting.error, InvalidBookingState)
    assert (accepting.error.code, accepting.error.status_code) == ("invalid_state", 409)
    assert accepting.error.message == REFUSED[change]
    booking.refresh_from_db()
    assert booking.guest_id == guest.pk
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.to_user_id) == (
        Transfer.Status.PENDING if change == "started" else Transfer.Status.WITHDRAWN,
        None,
    )
    assert consistent(slot) == (2 if change == "started" else 0)
    if change == "started":
        assert slot.starts_at == NOW - timedelta(minutes=30)
