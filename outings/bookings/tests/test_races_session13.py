"""Races between two requests (or a request and a worker) on the real database: each side runs in
its own thread with its own connection. The first side does its work inside a transaction and
waits before committing; the second side starts, and the test waits until it either finished or
waits for a row lock of the first; then the first commits. That is the interleaving in which a
check made outside the locks reads what is about to change. Personas come from conftest.py."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import InvalidBookingState, SeatsAvailable
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_review_bookings import seats_consistent
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.errors import DomainError
from outings.common.tests.connections import lock_waiters
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


@dataclass
class Outcome:
    """What one side of a race returned or raised."""

    value: object = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


def race(first: Callable[[], object], second: Callable[[], object]) -> tuple[Outcome, Outcome]:
    """Run `first` in a transaction that waits, once its work is done, until `second` (in another
    thread, its own transaction) has finished or waits for a lock; then `first` commits. Each
    thread closes its connection. Returns both outcomes."""
    one, two = Outcome(), Outcome()
    worked, commit = threading.Event(), threading.Event()

    def run_first() -> None:
        try:
            with transaction.atomic():
                one.value = first()
                worked.set()
                commit.wait(10)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            one.error = error
        finally:
            worked.set()
            one.done.set()
            connection.close()

    def run_second() -> None:
        try:
            two.value = second()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            two.error = error
        finally:
            two.done.set()
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    threads[0].start()
    assert worked.wait(10)
    threads[1].start()
    deadline = time.monotonic() + 10
    while not two.done.is_set() and lock_waiters() < 1:
        assert time.monotonic() < deadline, "the second side neither finished nor waited"
        time.sleep(0.02)
    commit.set()
    for thread in threads:
        thread.join(20)
    assert one.done.is_set()
    assert two.done.is_set()
    return one, two


def book(guest: User, slot: Slot, seats: int, *, now: datetime = NOW) -> Booking:
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=now)


@pytest.fixture
def offered(guest: User, other_guest: User, slot: Slot) -> tuple[Booking, str]:
    """A's confirmed booking, offered to B: the booking and the link's secret."""
    booking = book(guest, slot, 2)
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=other_guest.email, now=NOW
    )
    return booking, secret


# --- The minimum's cut-off while a booking lands ----------------------------------------------


def test_a_confirmation_that_commits_while_the_minimum_is_decided_counts(
    guest: User, other_guest: User, listing: Listing
) -> None:
    """Minimum 2: A is confirmed, B holds a seat and confirms it at the cut-off, at the moment the
    beat task decides the date. decide_minimum counted the confirmed seats without a lock (1,
    B not committed yet), then cancelled the date, B's confirmed booking included, as "not
    enough guests booked", though 2 were confirmed when it did."""
    Listing.objects.filter(pk=listing.pk).update(min_guests=2, min_guests_cutoff_hours=48)
    slot = SlotFactory.create(listing=listing, capacity=10)
    cutoff = slot.starts_at - timedelta(hours=48)
    before = cutoff - timedelta(minutes=5)
    first = book(guest, slot, 1, now=before)
    held = services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=1, now=before)

    confirming, deciding = race(
        lambda: services.confirm_booking(guest=other_guest, reference=held.reference, now=cutoff),
        lambda: services.decide_minimum(slot_id=slot.pk, now=cutoff),
    )

    assert confirming.error is None
    assert deciding.error is None
    assert deciding.value is False  # the date stays on
    slot.refresh_from_db()
    assert slot.status == Slot.Status.OPEN
    statuses = dict(Booking.objects.filter(slot=slot).values_list("pk", "status"))
    assert statuses == {first.pk: Booking.Status.CONFIRMED, held.pk: Booking.Status.CONFIRMED}
    assert seats_consistent(slot)


def test_a_cancellation_that_commits_while_the_minimum_is_decided_counts(
    guest: User, other_guest: User, listing: Listing
) -> None:
    """Minimum 2: A and B are confirmed; B cancels at the cut-off, while the date is decided.
    decide_minimum counted B (not committed yet) and kept the date on with 1 guest of 2: A is
    left with a date that should have been cancelled and refunded."""
    Listing.objects.filter(pk=listing.pk).update(min_guests=2, min_guests_cutoff_hours=48)
    slot = SlotFactory.create(listing=listing, capacity=10)
    cutoff = slot.starts_at - timedelta(hours=48)
    before = cutoff - timedelta(minutes=5)
    first = book(guest, slot, 1, now=before)
    second = book(other_guest, slot, 1, now=before)

    cancelling, deciding = race(
        lambda: services.cancel_booking(guest=other_guest, reference=second.reference, now=cutoff),
        lambda: services.decide_minimum(slot_id=slot.pk, now=cutoff),
    )

    assert cancelling.error is None
    assert deciding.error is None
    assert deciding.value is True  # below the minimum: cancelled
    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED
    first.refresh_from_db()
    assert (first.status, first.cancelled_by) == (Booking.Status.CANCELLED, Booking.Party.SYSTEM)
    assert first.refund_due == first.total_price
    assert seats_consistent(slot)


def test_a_date_cancelled_twice_at_once_is_cancelled_once_and_the_second_is_refused(
    host: HostProfile, guest: User, slot: Slot
) -> None:
    """The host double-clicks "Cancel this date". Both requests read the date as open without a
    lock; the second waited for the first's locks and then cancelled the cancelled date again,
    answering success (and writing the date again) instead of 409 "already cancelled"."""
    booking = book(guest, slot, 2)

    def cancel() -> Slot:
        return services.cancel_slot(host=host, slot_id=slot.pk, reason="Storm", now=NOW)

    first, second = race(cancel, cancel)

    assert first.error is None
    assert isinstance(second.error, InvalidBookingState)
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == (Booking.Status.CANCELLED, "Storm")
    assert Booking.objects.get(pk=booking.pk).events.filter(action="cancelled").count() == 1
    assert seats_consistent(slot)


# --- Joining a waiting list while seats free up -----------------------------------------------


def test_joining_the_list_while_seats_free_up_gets_them_or_is_told_to_book(
    guest: User, other_guest: User, listing: Listing
) -> None:
    """A holds both seats of a date and cancels; at that moment W joins its waiting list for 2.
    join_waitlist read the seats outside any lock (full, in its snapshot), and the cancellation
    offered the freed seats to the list before W's entry was there: W was left waiting for a
    date with 2 seats free, offered to nobody, for anyone else to take."""
    slot = SlotFactory.create(listing=listing, capacity=2)
    mine = book(guest, slot, 2)

    cancelling, joining = race(
        lambda: services.cancel_booking(guest=guest, reference=mine.reference, now=NOW),
        lambda: services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW),
    )

    assert cancelling.error is None
    offered = Booking.objects.filter(
        guest=other_guest, slot=slot, status=Booking.Status.HELD
    ).exists()
    waiting = WaitlistEntry.objects.filter(
        guest=other_guest, slot=slot, status=WaitlistEntry.Status.WAITING
    ).exists()
    assert isinstance(joining.error, SeatsAvailable) or offered
    assert not (waiting and Slot.objects.get(pk=slot.pk).seats_taken == 0), (
        "W waits while the seats W waits for are free and offered to nobody"
    )
    assert seats_consistent(slot)


# --- Guards: races the locks already settle ---------------------------------------------------


def test_a_transfer_accepted_twice_at_once_moves_the_booking_once(
    guest: User, other_guest: User, offered: tuple[Booking, str]
) -> None:
    booking, secret = offered

    def accept() -> Booking:
        return services.accept_transfer(user=other_guest, secret=secret, now=NOW)

    first, second = race(accept, accept)

    assert first.error is None
    assert isinstance(second.error, DomainError)
    booking.refresh_from_db()
    assert booking.guest_id == other_guest.pk
    assert booking.events.filter(action="transferred").count() == 1
    assert Transfer.objects.get(booking=booking).status == Transfer.Status.ACCEPTED


def test_a_transfer_accepted_while_its_guest_cancels_does_not_move_a_cancelled_booking(
    guest: User, other_guest: User, offered: tuple[Booking, str]
) -> None:
    booking, secret = offered

    cancelling, accepting = race(
        lambda: services.cancel_booking(guest=guest, reference=booking.reference, now=NOW),
        lambda: services.accept_transfer(user=other_guest, secret=secret, now=NOW),
    )

    assert cancelling.error is None
    assert isinstance(accepting.error, DomainError)
    booking.refresh_from_db()
    assert (booking.guest_id, booking.status) == (guest.pk, Booking.Status.CANCELLED)
    assert Transfer.objects.get(booking=booking).status == Transfer.Status.WITHDRAWN


def test_a_waitlist_offer_confirmed_while_it_lapses_stays_confirmed_and_is_offered_to_nobody_else(
    guest: User, other_guest: User, listing: Listing
) -> None:
    slot = SlotFactory.create(listing=listing, capacity=2)
    mine = book(guest, slot, 2)
    entry = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)
    next_in_line = UserFactory.create()
    services.join_waitlist(guest=next_in_line, slot_id=slot.pk, seats=2, now=NOW)
    services.cancel_booking(guest=guest, reference=mine.reference, now=NOW)
    offer = Booking.objects.get(waitlist_entry=entry, status=Booking.Status.HELD)
    assert offer.expires_at is not None
    at_deadline = offer.expires_at

    confirming, expiring = race(
        lambda: services.confirm_booking(
            guest=other_guest, reference=offer.reference, now=at_deadline - timedelta(seconds=1)
        ),
        lambda: services.expire_booking(booking_id=offer.pk, now=at_deadline),
    )

    assert confirming.error is None
    assert expiring.error is None
    assert expiring.value is False
    offer.refresh_from_db()
    entry.refresh_from_db()
    assert (offer.status, entry.status) == (Booking.Status.CONFIRMED, WaitlistEntry.Status.BOOKED)
    assert not Booking.objects.filter(guest=next_in_line).exists()
    assert seats_consistent(slot)
