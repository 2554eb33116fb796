"""Review of the booking services (waiting list, holds, lock order): each test names what goes
wrong today and why. Personas come from conftest.py: guest A (`guest`), guest B
(`other_guest`), the listing's host (`host`); NOW is before every factory slot."""

import contextlib
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.common.errors import DomainError
from outings.common.tests.connections import until_waiting
from outings.scheduling.models import Slot


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def book(guest: User, slot: Slot, seats: int) -> Booking:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=NOW)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=NOW)


def seats_consistent(slot: Slot) -> bool:
    slot.refresh_from_db()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    return slot.seats_taken == (active.aggregate(n=Sum("seats"))["n"] or 0)


# --- Lock order: leaving the waiting list against the end of the offer -----------------------


@pytest.mark.django_db(transaction=True)
def test_leaving_the_list_while_the_offer_lapses_does_not_deadlock(listing: Listing) -> None:
    """docs/bookings.md: "Lock order, everywhere: booking rows (by id), then the slot row, then
    waitlist entries (by id). No path takes them the other way round, so seat changes cannot
    deadlock each other." leave_waitlist (outings/bookings/services/waitlist.py:71-76) takes
    them the other way round: it UPDATEs the entry to `left` first (the entry's row lock), then
    locks the offer booking. Ending the offer (the expiry task here; equally a host cancelling
    the date, or the guest confirming the offer) locks the booking, releases its seats, then
    UPDATEs the entry (end_booking, core.py:117-120). When the two overlap, each waits for the
    other and PostgreSQL aborts one with a deadlock: a DatabaseError out of DELETE
    /api/v1/waitlist/{id} (a 500) or out of the expiry. The slot lock is held for a moment by a
    third session only to make the interleaving certain."""
    slot = SlotFactory.create(listing=listing, capacity=2)
    first = book(UserFactory.create(), slot, 2)
    waiter = UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)
    services.cancel_booking(guest=first.guest, reference=first.reference, now=NOW)
    offer = Booking.objects.get(waitlist_entry=entry, status=Booking.Status.HELD)
    later = NOW + timedelta(hours=3)  # past the offer's deadline

    failures: dict[str, BaseException] = {}
    slot_locked, release_slot = threading.Event(), threading.Event()

    def run(name: str, work: Callable[[], object]) -> None:
        try:
            work()
        except DomainError:
            pass  # a refusal is a fine answer for the loser ("no longer on this list")
        except BaseException as error:  # noqa: BLE001 - the deadlock is what we look for
            failures[name] = error
        finally:
            connection.close()

    def hold_the_slot() -> None:
        with transaction.atomic():
            Slot.objects.select_for_update().get(pk=slot.pk)
            slot_locked.set()
            release_slot.wait(10)

    def expire() -> None:
        services.expire_booking(booking_id=offer.pk, now=later)

    def leave() -> None:
        services.leave_waitlist(guest=waiter, entry_id=entry.pk, now=later)

    blocker = threading.Thread(target=run, args=("blocker", hold_the_slot))
    blocker.start()
    assert slot_locked.wait(10)
    expiry = threading.Thread(target=run, args=("expiry", expire))
    expiry.start()
    until_waiting(1)  # the expiry holds the offer's lock and waits for the slot
    leaving = threading.Thread(target=run, args=("leave", leave))
    leaving.start()
    until_waiting(2)  # leaving holds the entry's lock and waits for the offer
    release_slot.set()
    for thread in (blocker, expiry, leaving):
        thread.join(20)

    assert not failures, f"a seat change failed: {failures!r}"
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.status not in Booking.ACTIVE
    assert entry.status != WaitlistEntry.Status.OFFERED
    assert seats_consistent(slot)


# --- A lapsed hold, a waiting list, and a newcomer who can do neither ------------------------


@pytest.mark.django_db
def test_a_guest_refused_as_full_can_wait_or_book(
    guest: User, other_guest: User, listing: Listing
) -> None:
    """A holds the last 2 seats and walks away; W waits for 2. When A's hold has lapsed but the
    sweep has not ended it yet, every read counts its seats as free (docs/bookings.md, "Expiry
    is exact"): the listing shows 2 seats left. B asks for them: hold_seats
    (outings/bookings/services/holds.py:139-152) finds the slot full, release_expired lapses
    A's hold, end_booking offers the 2 freed seats to W, the retry finds the slot full and
    raises SlotFull, which rolls the whole transaction back (W's offer included). B then tries
    the waiting list: join_waitlist (waitlist.py:37-51) counts the lapsed hold as free and
    refuses with SeatsAvailable ("book them instead"). B is told "full" and "not full" about the
    same date at the same moment and can neither book nor wait, and W is not offered the seats
    either. Commit the release (and W's offer) before refusing, or have join_waitlist count
    what a booking could really take."""
    slot = SlotFactory.create(listing=listing, capacity=2)
    abandoned = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    waiter = UserFactory.create()
    services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)
    assert abandoned.expires_at is not None
    lapsed = abandoned.expires_at + timedelta(minutes=1)  # the sweep has not run yet

    refusals = []
    try:
        services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=2, now=lapsed)
    except DomainError as error:
        refusals.append(error.code)
    try:
        services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=lapsed)
    except DomainError as error:
        refusals.append(error.code)

    assert refusals != ["slot_full", "seats_available"], "B can neither book nor wait"
    assert seats_consistent(slot)


def offered_on_a_listing_by_request(
    guest: User, host: HostProfile
) -> tuple[Slot, User, WaitlistEntry, Booking]:
    """A full date (2 seats) of a listing by request, booked by `guest` and accepted; a waiter
    for 2 seats; `guest` cancels, and the freed seats are offered to the waiter."""
    listing = ListingFactory.create(host=host, instant_booking=False, max_group_size=6)
    slot = SlotFactory.create(listing=listing, capacity=2)
    request = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    services.accept_request(host=host, reference=request.reference, now=NOW)
    waiter = UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)
    services.cancel_booking(guest=guest, reference=request.reference, now=NOW)
    offer = Booking.objects.get(waitlist_entry=entry)
    return slot, waiter, entry, offer


# --- A listing that takes requests, reached through its waiting list -------------------------


@pytest.mark.django_db
def test_a_waiting_list_offer_on_a_listing_by_request_still_needs_the_host(
    guest: User, host: HostProfile
) -> None:
    """docs/api.md: `instant_booking` `false`: "every booking is a request the host answers";
    docs/bookings.md: such a listing makes a `requested` booking that waits for the host.
    offer_freed_seats (outings/bookings/services/core.py:156-164) makes every waiting-list
    offer a `held` booking whatever the listing, and confirm_booking lets its guest confirm it
    alone: anyone who joins the list of a full date of a request-only listing is booked
    without the host ever answering. The offer should be a request (status `requested`, the
    host accepts or declines it) on a listing without instant booking."""
    listing = ListingFactory.create(host=host, instant_booking=False, max_group_size=6)
    slot = SlotFactory.create(listing=listing, capacity=2)
    request = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    assert request.status == Booking.Status.REQUESTED
    services.accept_request(host=host, reference=request.reference, now=NOW)
    waiter = UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)
    services.cancel_booking(guest=guest, reference=request.reference, now=NOW)
    offer = Booking.objects.get(waitlist_entry=entry)

    with contextlib.suppress(DomainError):  # a refusal is right: the host must answer first
        services.confirm_booking(guest=waiter, reference=offer.reference, now=NOW)

    offer.refresh_from_db()
    assert offer.status != Booking.Status.CONFIRMED, "booked without the host's answer"
    assert not offer.events.filter(action="confirmed", actor=waiter).exists()


@pytest.mark.django_db
def test_leaving_the_list_withdraws_an_offer_that_became_a_request(
    guest: User, host: HostProfile
) -> None:
    """Once the guest said yes to an offer on a listing by request, the offer waits for the
    host; leaving the list must withdraw it too, or the host could still book someone who
    left (and the entry would go from `left` to `booked`)."""
    slot, waiter, entry, offer = offered_on_a_listing_by_request(guest, host)
    services.confirm_booking(guest=waiter, reference=offer.reference, now=NOW)

    services.leave_waitlist(guest=waiter, entry_id=entry.pk, now=NOW)

    offer.refresh_from_db()
    entry.refresh_from_db()
    assert offer.status == Booking.Status.CANCELLED
    assert entry.status == WaitlistEntry.Status.LEFT
    assert seats_consistent(slot)
