"""A Hypothesis state machine over the bookings services against the real database (issue 7,
"Proof of correctness"): holds, confirmations, cancellations by guest, host and staff, expiry (a
fake clock that moves on, the due row's work, and the on-read release of a hold on a full date),
waiting lists, capacity changes, transfers, and host answers to requests, in any order. After
every step the invariants of DESIGN.md section 3 are checked:

- each slot's seats_taken is the sum of the seats of its active bookings, and 0 <= it <= capacity;
- no waiting-list entry is "offered" without a held booking that carries the offer;
- a booking's seats never change, and a booking has exactly the seats that were asked for (a hold
  its request, a waiting-list offer its entry's): nobody is ever seated in part.

Each example runs inside a savepoint of the test's transaction and is rolled back at its end, so
examples never see each other's rows. Derandomized, with the failing example's blob printed, so a
failure reproduces on every machine.
"""

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import (
    HoldExpired,
    InvalidBookingState,
    InvalidTransfer,
    InvalidTransferLink,
    SlotFull,
    TransferLimitReached,
    TransferNotForYou,
    TransfersThrottled,
)
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.bookings.selectors import holding_seats
from outings.bookings.services.seats import release_seats
from outings.bookings.tests.conftest import NOW
from outings.catalog.tests.factories import (
    SLOT_BASE,
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.errors import DomainError
from outings.scheduling.models import Slot
from outings.scheduling.rules import CapacityBelowSeatsTaken

pytestmark = pytest.mark.django_db

START = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
# (instant booking?, capacity): a date of a listing that books at once and one of a listing whose
# host answers requests. Small, so that dates fill up and waiting lists form.
SLOTS = [(True, 4), (False, 3)]
GUESTS = 4
MAX_GROUP = 3
# The clock moves by these steps: past a hold (10 min), a waiting-list offer (2 h), a request
# (24 h), never past the first date's start.
CLOCK_STEPS_MINUTES = [5, 11, 61, 121, 1441]

Status = Booking.Status
Entry = WaitlistEntry.Status

guest_index = st.integers(0, GUESTS - 1)
slot_index = st.integers(0, len(SLOTS) - 1)
pick = st.integers(0, 1_000)  # an index into whatever rows exist, modulo their number

MACHINE_SETTINGS = settings(
    max_examples=20,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._example = transaction.atomic()
        self._example.__enter__()
        self.now = START
        self.host = HostProfileFactory.create()
        listings = {
            instant: ListingFactory.create(
                host=self.host, instant_booking=instant, max_group_size=MAX_GROUP
            )
            for instant in (True, False)
        }
        self.slots: list[Slot] = [
            SlotFactory.create(
                listing=listings[instant],
                capacity=capacity,
                starts_at=SLOT_BASE + timedelta(days=i),
            )
            for i, (instant, capacity) in enumerate(SLOTS)
        ]
        self.guests: list[User] = [UserFactory.create() for _ in range(GUESTS)]
        self.staff: User = UserFactory.create(
            is_staff=True, permissions=["bookings.change_booking"]
        )
        # Seats each booking must have for ever: what its hold asked for, or its offer's entry.
        self.seats_of: dict[int, int] = {}
        # (the link's secret, the guest it was sent to)
        self.transfers: list[tuple[str, int]] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # --- reading the state ------------------------------------------------------------------

    def slot(self, index: int) -> Slot:
        return Slot.objects.select_related("listing").get(pk=self.slots[index].pk)

    def choose(self, index: int, statuses: Collection[str]) -> Booking:
        """A booking in one of `statuses` when there is one, except one time in five: then, as
        when there is none, any booking (the rule must refuse it and change nothing)."""
        bookings = Booking.objects.select_related("guest", "slot").filter(slot__in=self.slots)
        wanted = list(bookings.filter(status__in=statuses).order_by("id"))
        if not wanted or index % 5 == 0:
            wanted = list(bookings.order_by("id"))
        return wanted[index % len(wanted)]

    def lapsed_pending(self, slot: Slot) -> bool:
        return Booking.objects.filter(
            slot=slot, status__in=Booking.PENDING, expires_at__lte=self.now
        ).exists()

    def assert_freed_seats_went_to_the_waiting_list(self, slot_id: int) -> None:
        """After seats were released on an open date, no waiting entry fits in what is free."""
        slot = Slot.objects.get(pk=slot_id)
        if slot.status != Slot.Status.OPEN or slot.starts_at <= self.now:
            return
        free = slot.capacity - slot.seats_taken
        waiting = WaitlistEntry.objects.filter(slot=slot, status=Entry.WAITING, seats__lte=free)
        assert not waiting.exists(), (
            f"{free} seats free on slot {slot.pk} yet entries that fit still wait: "
            f"{list(waiting.values_list('seats', flat=True))}"
        )

    def has_bookings(self) -> bool:
        return bool(self.seats_of)

    # --- the clock --------------------------------------------------------------------------

    @precondition(lambda self: self.now + timedelta(minutes=max(CLOCK_STEPS_MINUTES)) < SLOT_BASE)
    @rule(minutes=st.sampled_from(CLOCK_STEPS_MINUTES))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    # --- guests -----------------------------------------------------------------------------

    def _hold(self, guest: int, slot: int, seats: int) -> Booking | None:
        before = self.slot(slot)
        room = before.capacity - before.seats_taken
        lapsed = self.lapsed_pending(before)
        try:
            booking = services.hold_seats(
                guest=self.guests[guest], slot_id=before.pk, seats=seats, now=self.now
            )
        except SlotFull:
            # Refused only when the seats really are not there (lapsed holds aside: the on-read
            # release may hand them to the waiting list first).
            assert lapsed or room < seats, f"slot_full with {room} seats free for {seats}"
            return None
        except DomainError:
            assert seats > before.capacity, f"a hold of {seats} with {room} free was refused"
            return None
        assert booking.seats == seats
        instant = before.listing.instant_booking
        assert booking.status == (Status.HELD if instant else Status.REQUESTED)
        self.seats_of[booking.pk] = seats
        return booking

    @rule(guest=guest_index, slot=slot_index, seats=st.integers(1, MAX_GROUP))
    def hold(self, guest: int, slot: int, seats: int) -> None:
        self._hold(guest, slot, seats)

    @rule(guest=guest_index, slot=slot_index, seats=st.integers(1, MAX_GROUP))
    def hold_and_confirm(self, guest: int, slot: int, seats: int) -> None:
        booking = self._hold(guest, slot, seats)
        if booking is not None and booking.status == Status.HELD:
            confirmed = services.confirm_booking(
                guest=booking.guest, reference=booking.reference, now=self.now
            )
            assert (confirmed.status, confirmed.seats) == (Status.CONFIRMED, seats)

    @rule(guest=guest_index, slot=slot_index, waiter=guest_index, seats=st.integers(1, MAX_GROUP))
    def sell_out(self, guest: int, slot: int, waiter: int, seats: int) -> None:
        """A rush in one step: the guest books every seat left (confirmed, in groups), then
        another guest joins the waiting list."""
        while (left := self.slot(slot)).capacity > left.seats_taken:
            booking = self._hold(guest, slot, min(left.capacity - left.seats_taken, MAX_GROUP))
            if booking is None:
                break
            if booking.status == Status.HELD:
                services.confirm_booking(
                    guest=booking.guest, reference=booking.reference, now=self.now
                )
        self.join_waitlist(waiter, slot, seats)

    @precondition(has_bookings)
    @rule(index=pick)
    def confirm(self, index: int) -> None:
        booking = self.choose(index, [Status.HELD, Status.EXPIRED])
        room = booking.slot.capacity - booking.slot.seats_taken
        try:
            confirmed = services.confirm_booking(
                guest=booking.guest, reference=booking.reference, now=self.now
            )
        except HoldExpired:
            assert booking.status == Status.EXPIRED
            assert room < booking.seats
            return
        except InvalidBookingState:
            assert booking.status not in (Status.HELD, Status.CONFIRMED, Status.EXPIRED)
            return
        if booking.status == Status.REQUESTED:
            # A waiting-list offer on a listing by request the guest already said yes to: the
            # same answer again, unchanged (a second press of "Send the request").
            assert booking.waitlist_entry_id is not None
            assert (confirmed.status, confirmed.version) == (Status.REQUESTED, booking.version)
            return
        assert booking.status in (Status.HELD, Status.CONFIRMED, Status.EXPIRED)
        if booking.waitlist_entry_id is not None and not booking.listing.instant_booking:
            # A waiting-list offer on a listing by request: the guest's yes goes to the host.
            assert confirmed.status == Status.REQUESTED
        else:
            assert confirmed.status == Status.CONFIRMED

    @precondition(has_bookings)
    @rule(index=pick, by=st.sampled_from(["guest", "host", "staff"]))
    def cancel(self, index: int, by: str) -> None:
        booking = self.choose(index, Booking.ACTIVE)
        try:
            if by == "guest":
                services.cancel_booking(
                    guest=booking.guest, reference=booking.reference, now=self.now
                )
            elif by == "host":
                services.cancel_booking_as_host(
                    host=self.host, reference=booking.reference, reason="rain", now=self.now
                )
            else:
                services.cancel_booking_as_staff(
                    staff=self.staff, reference=booking.reference, reason="fraud", now=self.now
                )
        except InvalidBookingState:
            # A hold or request whose time ran out is over, though the sweep has not recorded
            # it yet (cancellation._cancellable reads status_at).
            assert booking.status_at(self.now) not in Booking.ACTIVE
            return
        assert booking.status_at(self.now) in Booking.ACTIVE
        booking.refresh_from_db()
        assert booking.status == Status.CANCELLED
        self.assert_freed_seats_went_to_the_waiting_list(booking.slot_id)

    # --- expiry -----------------------------------------------------------------------------

    @precondition(has_bookings)
    @rule(index=pick)
    def expire(self, index: int) -> None:
        """The due outbox row's work, for any booking (it must do nothing to the wrong ones)."""
        booking = self.choose(index, Booking.PENDING)
        due = (
            booking.status in Booking.PENDING
            and booking.expires_at is not None
            and booking.expires_at <= self.now
        )
        assert services.expire_booking(booking_id=booking.pk, now=self.now) == due
        if due:
            self.assert_freed_seats_went_to_the_waiting_list(booking.slot_id)

    # --- the waiting list -------------------------------------------------------------------

    @rule(guest=guest_index, slot=slot_index, seats=st.integers(1, MAX_GROUP))
    def join_waitlist(self, guest: int, slot: int, seats: int) -> None:
        try:
            entry = services.join_waitlist(
                guest=self.guests[guest], slot_id=self.slots[slot].pk, seats=seats, now=self.now
            )
        except DomainError:
            return
        assert (entry.seats, entry.status) == (seats, Entry.WAITING)

    @precondition(lambda self: WaitlistEntry.objects.filter(slot__in=self.slots).exists())
    @rule(index=pick)
    def leave_waitlist(self, index: int) -> None:
        entries = WaitlistEntry.objects.select_related("guest").filter(slot__in=self.slots)
        found = list(entries.filter(status__in=[Entry.WAITING, Entry.OFFERED]).order_by("id"))
        if not found or index % 5 == 0:
            found = list(entries.order_by("id"))
        entry = found[index % len(found)]
        try:
            services.leave_waitlist(guest=entry.guest, entry_id=entry.pk, now=self.now)
        except InvalidBookingState:
            assert entry.status not in (Entry.WAITING, Entry.OFFERED)
            return
        assert entry.status in (Entry.WAITING, Entry.OFFERED)
        if entry.status == Entry.OFFERED:
            self.assert_freed_seats_went_to_the_waiting_list(entry.slot_id)

    # --- the host ---------------------------------------------------------------------------

    @rule(slot=slot_index, capacity=st.integers(2, 6))
    def change_capacity(self, slot: int, capacity: int) -> None:
        """The host's change (bookings' service, as the host pages and the API call it): seats
        of holds and requests whose time ran out are free (lapsed by the change when it needs
        them, session 23), and what the new capacity leaves free goes to the waiting list."""
        before = self.slot(slot)
        running = (
            Booking.objects.filter(slot=before)
            .filter(holding_seats(self.now))
            .aggregate(n=Sum("seats"))["n"]
            or 0
        )
        try:
            services.change_slot_capacity(
                host=self.host, slot_id=before.pk, capacity=capacity, now=self.now
            )
        except CapacityBelowSeatsTaken:
            assert capacity < running
            return
        assert capacity >= running
        self.assert_freed_seats_went_to_the_waiting_list(before.pk)

    @precondition(has_bookings)
    @rule(index=pick, accept=st.booleans())
    def answer_request(self, index: int, accept: bool) -> None:
        booking = self.choose(index, [Status.REQUESTED])
        lapsed = booking.expires_at is not None and booking.expires_at <= self.now
        try:
            if accept:
                services.accept_request(host=self.host, reference=booking.reference, now=self.now)
            else:
                services.decline_request(
                    host=self.host, reference=booking.reference, reason="full", now=self.now
                )
        except InvalidBookingState:
            assert booking.status != Status.REQUESTED
            return
        except HoldExpired:
            # Accepted or declined after its deadline: Outings declines it, not the host (a
            # late decline went through as the host's until session 20).
            assert lapsed
            return
        assert booking.status == Status.REQUESTED
        if not accept:
            self.assert_freed_seats_went_to_the_waiting_list(booking.slot_id)

    # --- transfers --------------------------------------------------------------------------

    @precondition(has_bookings)
    @rule(index=pick, to=guest_index)
    def offer_transfer(self, index: int, to: int) -> None:
        booking = self.choose(index, [Status.CONFIRMED])
        try:
            _transfer, secret = services.offer_transfer(
                guest=booking.guest,
                reference=booking.reference,
                to_email=self.guests[to].email,
                now=self.now,
            )
        except (InvalidBookingState, InvalidTransfer):
            assert booking.status != Status.CONFIRMED or booking.guest == self.guests[to]
            return
        except (TransferLimitReached, TransfersThrottled):
            # The guest's limits (docs/bookings.md "Transfers"): refused only when reached.
            offers = Transfer.objects.filter(from_user=booking.guest)
            per_booking = offers.filter(booking=booking).count()
            today = offers.filter(created_at__gt=self.now - timedelta(hours=24)).count()
            assert (
                per_booking >= django_settings.BOOKINGS_TRANSFERS_PER_BOOKING
                or today >= django_settings.BOOKINGS_TRANSFERS_PER_DAY
            )
            return
        assert booking.status == Status.CONFIRMED
        self.transfers.append((secret, to))

    @precondition(lambda self: bool(self.transfers))
    @rule(index=pick, someone_else=st.booleans())
    def accept_transfer(self, index: int, someone_else: bool) -> None:
        secret, to = self.transfers[index % len(self.transfers)]
        user = self.guests[(to + 1) % GUESTS if someone_else else to]
        try:
            moved = services.accept_transfer(user=user, secret=secret, now=self.now)
        except TransferNotForYou:
            assert someone_else
            return
        except InvalidTransferLink:
            return  # withdrawn (another offer, or the booking ended) or already used
        assert not someone_else
        assert moved.guest == user
        assert Transfer.objects.filter(booking=moved, status=Transfer.Status.ACCEPTED).exists()

    # --- invariants, after every step -------------------------------------------------------

    @invariant()
    def seats_taken_is_the_sum_of_active_bookings(self) -> None:
        for slot in Slot.objects.filter(pk__in=[s.pk for s in self.slots]):
            active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
            held = active.aggregate(n=Sum("seats"))["n"] or 0
            assert slot.seats_taken == held, (
                f"slot {slot.pk}: {slot.seats_taken} taken, {held} held"
            )
            assert 0 <= slot.seats_taken <= slot.capacity

    @invariant()
    def every_offer_is_a_held_booking(self) -> None:
        """Held, or requested once its guest said yes on a listing by request."""
        offered = WaitlistEntry.objects.filter(slot__in=self.slots, status=Entry.OFFERED)
        for entry in offered:
            offer = Booking.objects.filter(waitlist_entry=entry, status__in=Booking.PENDING).first()
            assert offer is not None, f"entry {entry.pk} is offered without a pending booking"
            assert offer.status == Status.HELD or not offer.listing.instant_booking
            assert offer.seats == entry.seats

    @invariant()
    def bookings_keep_the_seats_they_asked_for(self) -> None:
        for booking in Booking.objects.select_related("waitlist_entry").filter(slot__in=self.slots):
            if booking.pk not in self.seats_of:
                # Only a waiting-list offer appears without a hold: all of its entry's seats.
                assert booking.waitlist_entry is not None, f"booking {booking.pk} from nowhere"
                self.seats_of[booking.pk] = booking.waitlist_entry.seats
            assert booking.seats == self.seats_of[booking.pk]


def test_bookings_keep_their_invariants_whatever_happens() -> None:
    run_state_machine_as_test(BookingMachine, settings=MACHINE_SETTINGS)


def test_the_machine_sees_a_broken_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The invariants are not vacuous: a release that forgets one seat is caught."""

    def leaky_release(*, slot_id: int, seats: int) -> int:
        return release_seats(slot_id=slot_id, seats=seats - 1) if seats > 1 else 0

    monkeypatch.setattr("outings.bookings.services.core.release_seats", leaky_release)
    with pytest.raises(AssertionError):
        run_state_machine_as_test(
            BookingMachine,
            settings=settings(MACHINE_SETTINGS, print_blob=False, phases=[Phase.generate]),
        )


@pytest.mark.parametrize("by", ["host", "staff"])
def test_a_cancellation_by_the_host_or_staff_offers_the_seats_to_the_waiting_list(
    guest: User, other_guest: User, host: HostProfile, slot: Slot, by: str
) -> None:
    """Found by the machine: these cancellations released the seats without offering them."""
    booked = book(guest, slot, 6)
    book(UserFactory.create(), slot, 4)
    entry = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)

    if by == "host":
        services.cancel_booking_as_host(host=host, reference=booked.reference, reason="", now=NOW)
    else:
        staff = UserFactory.create(is_staff=True, permissions=["bookings.change_booking"])
        services.cancel_booking_as_staff(
            staff=staff, reference=booked.reference, reason="", now=NOW
        )

    entry.refresh_from_db()
    assert entry.status == Entry.OFFERED
    offer = Booking.objects.get(waitlist_entry=entry)
    assert (offer.guest, offer.seats, offer.status) == (other_guest, 2, Status.HELD)
    slot.refresh_from_db()
    assert slot.seats_taken == 4 + 2


def book(guest: User, slot: Slot, seats: int) -> Booking:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=NOW)
    return services.confirm_booking(guest=guest, reference=held.reference, now=NOW)
