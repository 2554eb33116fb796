"""Review (session 16): the booking features around the seat guard, pinned where a mutation audit
found nothing that would notice a change: a waiting-list offer's deadline before a date that
starts soon; the instant a hold lapses for the guests a date's move tells; freed seats going on
past an entry they no longer fit, and lapsed holds going to the list before a newcomer joins;
the dates a minimum decides, what counts towards it and when it was first met; the instant a
date starts for transfers, the refund shown and the reminder; the name a host is told after a
hand-over; no refund sent for nothing back. And one found wanting: the places of a cancelled
date (refused now, on the API and the pages too). Personas come from conftest.py."""

from datetime import timedelta

import pytest

from outings.accounts.models import HostProfile, User
from outings.bookings import selectors, services
from outings.bookings.errors import HoldExpired, InvalidBookingState, SeatsAvailable
from outings.bookings.models import Booking, Transfer, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_waitlist_and_transfer import book, consistent
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.errors import DomainError
from outings.common.models import OutboxMessage
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db
Entry = WaitlistEntry.Status


# --- A waiting-list offer's deadline -----------------------------------------------------------


def test_an_offer_made_ten_minutes_before_the_start_lapses_at_the_start(
    guest: User, listing: Listing
) -> None:
    """An offer is held BOOKINGS_WAITLIST_OFFER_MINUTES (120), never past the start: made ten
    minutes before, it is held until the start, not for two hours of a date under way."""
    starts_at = NOW + timedelta(minutes=10)
    slot = SlotFactory.create(
        listing=listing, capacity=2, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    booked = book(guest, slot, 2)
    waiter = UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)

    services.cancel_booking(guest=guest, reference=booked.reference, now=NOW)

    offer = Booking.objects.get(waitlist_entry=entry)
    assert (offer.status, offer.guest, offer.seats) == (Booking.Status.HELD, waiter, 2)
    assert offer.expires_at == starts_at
    assert offer.status_at(starts_at) == Booking.Status.EXPIRED
    with pytest.raises(HoldExpired):
        services.confirm_booking(guest=waiter, reference=offer.reference, now=starts_at)
    assert consistent(slot) == 2


def test_an_offer_made_two_hours_and_a_minute_before_the_start_is_held_two_hours(
    guest: User, listing: Listing
) -> None:
    starts_at = NOW + timedelta(minutes=121)
    slot = SlotFactory.create(
        listing=listing, capacity=2, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    booked = book(guest, slot, 2)
    entry = services.join_waitlist(guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=NOW)

    services.cancel_booking(guest=guest, reference=booked.reference, now=NOW)

    offer = Booking.objects.get(waitlist_entry=entry)
    assert offer.expires_at == NOW + timedelta(minutes=120)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED


# --- The instant a hold lapses -----------------------------------------------------------------


def test_a_move_tells_a_hold_until_the_instant_it_lapses_and_not_at_it(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """A date's move tells a guest holding seats that the hold stands until its deadline; a hold
    whose deadline is the move's very instant has lapsed (every read counts it free from
    expires_at on: Booking.status_at) and is not told, nor its version moved."""
    lapsing = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=NOW)
    standing = services.hold_seats(
        guest=other_guest, slot_id=slot.pk, seats=1, now=NOW + timedelta(microseconds=1)
    )
    at = lapsing.expires_at
    assert at is not None

    told = services.retime_bookings(slot_ids=[slot.pk], now=at)

    assert told == 1
    lapsing.refresh_from_db()
    standing.refresh_from_db()
    assert (lapsing.version, standing.version) == (1, 2)
    retimed = Notification.objects.filter(kind="booking.retimed")
    assert list(retimed.values_list("user", flat=True)) == [other_guest.pk]


# --- A cancelled date's places -----------------------------------------------------------------


def test_a_cancelled_dates_places_cannot_change(host: HostProfile, guest: User, slot: Slot) -> None:
    """A date its host cancelled stays as it was: its guests were told and refunded, its
    waiting list closed. Its capacity was still set (the version moved, the page and the API
    showed the new number on a date nobody can book); it is refused as the date's state, as a
    second cancellation is, and nothing changes."""
    book(guest, slot, 4)
    services.cancel_slot(host=host, slot_id=slot.pk, reason="Storm", now=NOW)
    slot.refresh_from_db()
    before = (slot.status, slot.capacity, slot.seats_taken, slot.version)

    with pytest.raises(DomainError) as refused:
        services.change_slot_capacity(host=host, slot_id=slot.pk, capacity=12, now=NOW)

    assert (refused.value.status_code, refused.value.code) == (409, "invalid_state")
    assert refused.value.message == "This date is cancelled: its places cannot change."
    slot.refresh_from_db()
    assert (slot.status, slot.capacity, slot.seats_taken, slot.version) == before
    assert consistent(slot) == 0


# --- The waiting list: the first entries that fit, in the order they joined --------------------


def test_freed_seats_skip_an_entry_they_no_longer_fit_and_go_on_to_the_next(
    guest: User, slot: Slot
) -> None:
    """Three seats free for entries of 2, 3 and 1, in that order: the 2 is offered, the 3 no
    longer fits in the one seat left and is skipped (never offered part), and the 1 behind it
    gets that seat: a group too big stops nobody behind it."""
    book(guest, slot, 4)
    three = book(guest, slot, 3)
    book(UserFactory.create(), slot, 3)
    two, big, one = UserFactory.create(), UserFactory.create(), UserFactory.create()
    entries = [
        services.join_waitlist(guest=who, slot_id=slot.pk, seats=seats, now=NOW)
        for who, seats in ((two, 2), (big, 3), (one, 1))
    ]

    services.cancel_booking(guest=guest, reference=three.reference, now=NOW)

    for entry in entries:
        entry.refresh_from_db()
    assert [entry.status for entry in entries] == [Entry.OFFERED, Entry.WAITING, Entry.OFFERED]
    offers = Booking.objects.filter(waitlist_entry__isnull=False).order_by("id")
    assert [(offer.guest, offer.seats) for offer in offers] == [(two, 2), (one, 1)]
    assert consistent(slot) == 10


def test_joining_lapses_the_holds_whose_time_ran_out_for_whoever_already_waits(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """A full date, two of whose seats are a hold whose time ran out (not swept yet), and a
    guest already waiting for two: a newcomer joining lapses that hold first, so its seats go
    to the guest who waited, and the newcomer, who finds the date full, waits behind them."""
    book(guest, slot, 4)
    book(UserFactory.create(), slot, 4)
    lapsed = services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=NOW)
    assert lapsed.expires_at is not None
    first = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)
    newcomer = UserFactory.create()

    second = services.join_waitlist(guest=newcomer, slot_id=slot.pk, seats=1, now=lapsed.expires_at)

    lapsed.refresh_from_db()
    first.refresh_from_db()
    assert lapsed.status == Booking.Status.EXPIRED
    assert (first.status, second.status) == (Entry.OFFERED, Entry.WAITING)
    offer = Booking.objects.get(waitlist_entry=first)
    assert (offer.guest, offer.seats, offer.status) == (other_guest, 2, Booking.Status.HELD)
    assert consistent(slot) == 10


def test_joining_for_seats_a_lapsed_hold_frees_is_told_to_book_them(
    guest: User, slot: Slot
) -> None:
    """Nobody waits: the seats of a hold whose time ran out are free to book, and a guest asking
    to wait for them is told so (seats_available), not put on a list that waits for nobody."""
    book(guest, slot, 4)
    book(UserFactory.create(), slot, 4)
    lapsed = services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=NOW)
    assert lapsed.expires_at is not None

    with pytest.raises(SeatsAvailable):
        services.join_waitlist(
            guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=lapsed.expires_at
        )

    assert not WaitlistEntry.objects.exists()
    # The refusal is undone with everything it did, the lapse too (the sweep records it): the
    # seats read as free all the same (SEATS_LEFT_SQL counts a lapsed hold as free).
    assert consistent(slot) == 10


# --- The minimum of guests: confirmed seats only -----------------------------------------------


def test_seats_held_at_the_cut_off_do_not_count_towards_the_minimum(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """A minimum of 4 with 2 confirmed and 2 held at the cut-off (a checkout under way): a hold
    may never be confirmed, so the date is below its minimum and is cancelled, everyone told,
    the confirmed guest due everything, the hold just ended."""
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=4, min_guests_cutoff_hours=48)
    at_cutoff = slot.starts_at - timedelta(hours=48)
    booked = book(guest, slot, 2)
    held = services.hold_seats(
        guest=other_guest, slot_id=slot.pk, seats=2, now=at_cutoff - timedelta(minutes=1)
    )

    assert services.decide_minimum(slot_id=slot.pk, now=at_cutoff)

    slot.refresh_from_db()
    booked.refresh_from_db()
    held.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED
    assert (booked.status, booked.cancelled_by, booked.refund_due) == ("cancelled", "system", 5000)
    assert (held.status, held.cancelled_by, held.refund_due) == ("cancelled", "system", None)
    told = Notification.objects.filter(kind="booking.cancelled").values_list("user", flat=True)
    assert sorted(told) == sorted([guest.pk, other_guest.pk])
    assert not Notification.objects.filter(kind="slot.minimum_met").exists()
    assert consistent(slot) == 0


def test_only_dates_with_a_minimum_still_to_come_are_due_at_their_cut_off(
    listing: Listing, slot: Slot
) -> None:
    """A date of a listing without a minimum is never decided (nor marked decided); one that has
    started while still undecided (the scheduler was down at its cut-off) is over: cancelling it
    "for too few guests" would cancel a date under way."""
    at_cutoff = slot.starts_at - timedelta(hours=48)
    assert services.slots_due_for_minimum(now=at_cutoff) == []

    Listing.objects.filter(pk=listing.pk).update(min_guests=4, min_guests_cutoff_hours=48)

    assert services.slots_due_for_minimum(now=at_cutoff) == [slot.pk]
    assert services.slots_due_for_minimum(now=slot.starts_at - timedelta(microseconds=1)) == [
        slot.pk
    ]
    assert services.slots_due_for_minimum(now=slot.starts_at) == []


def test_the_date_records_when_it_first_reached_its_minimum(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """`minimum_met_at` (shown to staff on the date) is the first time confirmed seats reached
    the minimum; a guest booking after that does not move it."""
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=2)
    first = NOW + timedelta(minutes=1)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    services.confirm_booking(guest=guest, reference=held.reference, now=first)
    later = services.hold_seats(guest=other_guest, slot_id=slot.pk, seats=1, now=first)
    services.confirm_booking(
        guest=other_guest, reference=later.reference, now=first + timedelta(minutes=1)
    )

    slot.refresh_from_db()
    assert slot.minimum_met_at == first
    told = Notification.objects.filter(kind="slot.minimum_met").values_list("user", flat=True)
    assert sorted(told) == sorted([guest.pk, other_guest.pk])


def test_a_date_can_no_longer_be_cancelled_from_the_instant_it_starts(
    host: HostProfile, guest: User, slot: Slot
) -> None:
    """A date that has started cannot be cancelled (docs/bookings.md): at its start it has."""
    booked = book(guest, slot, 2)

    with pytest.raises(InvalidBookingState):
        services.cancel_slot(host=host, slot_id=slot.pk, reason="Late", now=slot.starts_at)

    slot.refresh_from_db()
    booked.refresh_from_db()
    assert (slot.status, booked.status) == (Slot.Status.OPEN, Booking.Status.CONFIRMED)
    assert consistent(slot) == 2


# --- Transfers: only of a date still to come ---------------------------------------------------


def test_a_booking_can_no_longer_be_handed_on_from_the_instant_its_date_starts(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """The link's page of a date that has started says so, with no button: at the start itself
    the date has started (as for cancelling), so neither the offer nor its acceptance goes."""
    booking = book(guest, slot, 2)
    transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=other_guest.email, now=NOW
    )

    with pytest.raises(InvalidBookingState):
        services.accept_transfer(user=other_guest, secret=secret, now=slot.starts_at)
    with pytest.raises(InvalidBookingState):
        services.offer_transfer(
            guest=guest, reference=booking.reference, to_email="f@example.org", now=slot.starts_at
        )

    booking.refresh_from_db()
    assert booking.guest == guest
    assert list(Transfer.objects.values_list("pk", "status")) == [
        (transfer.pk, Transfer.Status.PENDING)
    ]


def test_the_host_is_told_the_new_name_of_a_booking_handed_on(guest: User, slot: Slot) -> None:
    """The roster shows the booking's guest; the host's notice of the hand-over names who holds
    it now (and the previous guest's, whom it went to), never the guest who gave it."""
    booking = book(guest, slot, 2)
    friend = UserFactory.create(email="fay@example.org", first_name="Fay", last_name="Friend")
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email, now=NOW
    )

    services.accept_transfer(user=friend, secret=secret, now=NOW)

    told = Notification.objects.filter(kind="booking.transferred")
    assert sorted((n.user_id, n.data["guest"]) for n in told) == sorted(
        [(slot.listing.host.user_id, "Fay Friend"), (guest.pk, "Fay Friend")]
    )
    roster = selectors.roster(host=slot.listing.host, slot_id=slot.pk, size=10, now=NOW)
    assert [b.guest for b in roster.bookings] == [friend]


# --- Refunds: none offered once the date starts ------------------------------------------------


def test_the_refund_shown_is_none_from_the_instant_the_date_starts(guest: User, slot: Slot) -> None:
    """`refund_if_cancelled` (guest_refund) is None for a booking that can no longer be
    cancelled: at the start itself cancelling is refused, so it is not "0 back" (what the policy
    gives with no hours left) but nothing on offer, and a cancel with that 0 is still refused."""
    Listing.objects.filter(pk=slot.listing_id).update(cancellation_policy="flexible")
    booking = book(guest, slot, 2)
    booking.refresh_from_db()

    assert services.guest_refund(booking, now=slot.starts_at - timedelta(hours=24)) == 5000
    assert services.guest_refund(booking, now=slot.starts_at - timedelta(microseconds=1)) == 0
    assert services.guest_refund(booking, now=slot.starts_at) is None
    with pytest.raises(InvalidBookingState):
        services.cancel_booking(
            guest=guest, reference=booking.reference, now=slot.starts_at, expected_refund=0
        )


def test_a_cancellation_that_gives_nothing_back_sends_no_refund(guest: User, slot: Slot) -> None:
    """A refund is delivered through the outbox (`bookings.refund`, to the provider); one of
    nothing (a strict booking cancelled less than 7 days ahead) is recorded as 0 due and sends
    the provider nothing."""
    Listing.objects.filter(pk=slot.listing_id).update(cancellation_policy="strict")
    booking = book(guest, slot, 2)
    late = slot.starts_at - timedelta(days=7) + timedelta(microseconds=1)

    cancelled = services.cancel_booking(
        guest=guest, reference=booking.reference, now=late, expected_refund=0
    )

    assert (cancelled.status, cancelled.refund_due) == ("cancelled", 0)
    assert not OutboxMessage.objects.filter(kind="bookings.refund").exists()


# --- The reminder: due a day before the start, never after it ----------------------------------


def test_a_booking_confirmed_a_day_or_less_before_its_start_plans_no_reminder(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """The reminder is due BOOKINGS_REMINDER_HOURS (24) before the start, planned when the
    worker announces the confirmation; at that very instant its time has come (as a hold lapses
    at expires_at) and the "Booked" mail going then says all it would, so none is planned."""
    remind_at = slot.starts_at - timedelta(hours=24)
    just_in_time, too_late = book(guest, slot, 2), book(other_guest, slot, 2)

    services.announce_confirmation(
        booking_id=just_in_time.pk, guest=guest, at=remind_at - timedelta(microseconds=1)
    )
    services.announce_confirmation(booking_id=too_late.pk, guest=other_guest, at=remind_at)

    reminders = OutboxMessage.objects.filter(kind="bookings.remind")
    assert [(r.payload["booking"], r.due_at) for r in reminders] == [(just_in_time.pk, remind_at)]


def test_a_reminder_whose_worker_comes_once_the_date_started_sends_nothing(
    guest: User, slot: Slot
) -> None:
    """A worker that was down for a day finds the reminder due: once the date has begun it is
    no reminder any more, and nothing goes. (Session 17: announced first, which plans the
    reminder, as for every reminder's row: one goes only for the start it was planned for,
    once.)"""
    booking = book(guest, slot, 2)
    assert services.announce_confirmation(booking_id=booking.pk, guest=guest, at=NOW)
    reminders = OutboxMessage.objects.filter(payload__template="booking_reminder")

    assert not services.remind_guest(
        booking_id=booking.pk, planned=slot.starts_at, now=slot.starts_at
    )
    assert not reminders.exists()
    assert services.remind_guest(
        booking_id=booking.pk, planned=slot.starts_at, now=slot.starts_at - timedelta(seconds=1)
    )
    assert list(reminders.values_list("payload__to", flat=True)) == [guest.email]
