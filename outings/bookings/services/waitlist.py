"""The waiting list of a full date. A guest waits for N seats as one entry; freed seats are offered
by core.offer_freed_seats (first entry that fits, all its seats or nothing, as a hold with a
deadline); an offer that lapses or is turned down passes to the next entry. Seats a host adds
by raising a date's capacity, or a schedule rule's, are offered the same way."""

import itertools
from collections.abc import Callable, Collection
from datetime import datetime
from functools import partial
from operator import attrgetter

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext as _

from outings.accounts.models import HostProfile, User
from outings.bookings import effects
from outings.bookings.errors import (
    AlreadyWaiting,
    InvalidBooking,
    InvalidBookingState,
    SeatsAvailable,
)
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.services.core import (
    end_booking,
    lapse,
    locked,
    offer_freed_seats,
    release_expired,
)
from outings.bookings.services.holds import bookable_slot, check_seats, closed_date, unavailable
from outings.bookings.services.seats import seats_changed
from outings.common.errors import Conflict, ExpectedVersion, NotFound
from outings.scheduling import services as scheduling
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import CapacityBelowSeatsTaken, ScheduleData
from outings.scheduling.services.capacity import listing_locked

Entry = WaitlistEntry.Status


@transaction.atomic
def join_waitlist(*, guest: User, slot_id: int, seats: int, now: datetime) -> WaitlistEntry:
    """Put the guest on a full date's waiting list for `seats` seats. Refused while that many
    seats are free (book them instead) and when the guest already waits for this date.

    Holds whose time ran out are lapsed first, as a hold does (release_expired): the seats they
    free go to whoever already waits, and what is left is what a booking could take now. Counting
    them as free without lapsing them told a guest whose hold had just been refused as full to
    book instead (a hold's own release is undone with its refusal). The seats are then read under
    the slot's lock (after the bookings release_expired locked: the app's lock order)."""
    slot = bookable_slot(slot_id=slot_id, now=now)
    check_seats(slot.listing, seats, capacity=slot.capacity)
    if slot.listing.host.user_id == guest.pk:
        raise InvalidBooking(_("You cannot book your own listing."))
    release_expired(slot_id=slot.pk, now=now)
    # Read under the slot's lock, which every change of its seats or capacity holds until it
    # commits (and offers what it freed to the entries it finds): seats freed at this moment
    # are either seen here or offered to this entry, never left to nobody. So do the host
    # cancelling the date and staff moving its start: read with the seats, the date as they
    # left it (read before, it joined a cancelled date's list, or was told to book the seats
    # its cancellation freed).
    # A date no longer there was deleted while this waited for its row (its listing archived,
    # its rule removed): "cancelled", as for a hold (it was Slot.DoesNotExist, a 500, until
    # session 19).
    row = (
        Slot.objects.select_for_update()
        .filter(pk=slot.pk)
        .values_list("status", "starts_at", "capacity", "seats_taken")
        .first()
    )
    if row is None:
        raise unavailable("cancelled")
    status, starts_at, capacity, seats_taken = row
    closed = closed_date(status=status, starts_at=starts_at, now=now)
    if closed is not None:
        raise unavailable(closed)
    if capacity - seats_taken >= seats:
        raise SeatsAvailable()
    try:
        with transaction.atomic():
            return WaitlistEntry.objects.create(
                slot=slot, guest=guest, seats=seats, created_at=now, updated_at=now
            )
    except IntegrityError:
        raise AlreadyWaiting() from None


@transaction.atomic
def leave_waitlist(*, guest: User, entry_id: int, now: datetime) -> WaitlistEntry:
    """The guest leaves a waiting list; an open offer they had is turned down and passes on.

    Locks in the order every seat change takes them (docs/bookings.md): the offer, the slot,
    then the entry. Seats are offered only under the slot's lock, so once it is held no offer
    can appear; one made between the first look and the slot's lock is found by a second look
    and locked without waiting (it comes after the slot here): if another transaction holds it,
    that one waits for our slot, and the guest is asked to try again instead of a deadlock."""
    entry = WaitlistEntry.objects.filter(pk=entry_id, guest=guest).first()
    if entry is None:
        raise NotFound(_("You are not on this waiting list."))
    # Held, or a request to the host once the guest said yes on a listing by request.
    offers = Booking.objects.filter(waitlist_entry=entry, status__in=Booking.PENDING)
    offer = locked(offers).first()
    list(Slot.objects.select_for_update().filter(pk=entry.slot_id).values_list("pk", flat=True))
    if offer is None and offers.exists():
        try:
            with transaction.atomic():
                offer = locked(offers, nowait=True).first()
        except OperationalError:
            raise Conflict(_("Your waiting list entry is changing; try again.")) from None
    left = WaitlistEntry.objects.filter(
        pk=entry.pk, status__in=(Entry.WAITING, Entry.OFFERED)
    ).update(status=Entry.LEFT, updated_at=now)
    if not left:
        raise InvalidBookingState(_("You are no longer on this waiting list."))
    if offer is not None and offer.status_at(now) != offer.status:
        # Its time ran out before the sweep recorded it: it lapses, as the sweep would record
        # it (it was recorded as cancelled by the guest, on a page that read it expired).
        lapse(offer, now=now)
    elif offer is not None:
        end_booking(
            offer, status=Booking.Status.CANCELLED, by=Booking.Party.GUEST, actor=guest, now=now
        )
    entry.refresh_from_db()
    return entry


@transaction.atomic
def change_slot_capacity(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    slot_id: int,
    capacity: int,
    now: datetime,
    expected_version: ExpectedVersion = None,
) -> Slot:
    """Set one of the host's dates' capacity (never below its seats taken, and with
    `expected_version` only if the date is still at it; only a date of `listing_id` when given:
    scheduling's rules). Seats it adds go to the waiting list first, as any freed seats do; open
    listing pages then show the new number. Seats of holds and requests whose time ran out are
    free (_with_lapsed_released)."""
    change = partial(
        scheduling.change_slot_capacity,
        host=host,
        listing_id=listing_id,
        slot_id=slot_id,
        capacity=capacity,
        now=now,
        expected_version=expected_version,
    )
    slot = _with_lapsed_released(change, slot_ids=lambda: [slot_id], now=now)
    capacity_changed(slot=slot, now=now)  # its UPDATE holds the slot's row lock
    return slot


def _with_lapsed_released[T](
    change: Callable[[], T], *, slot_ids: Callable[[], Collection[int]], now: datetime
) -> T:
    """Run a host's capacity `change`; if it is refused as below the seats taken, lapse the
    holds and requests whose time ran out on the dates `slot_ids` (release_lapsed) and run it
    once more. The refusal comes after the change's checks of the host and the date; a refusal
    the second time undoes the lapsing with the caller's transaction. Only on a refusal: a
    change that fits sends nothing more. A rule's refused edit gave its locks back with its
    savepoint (scheduling's update_schedule is atomic of its own): release_lapsed takes the
    listing's lock again before the dates'."""
    try:
        return change()
    except CapacityBelowSeatsTaken:
        if not release_lapsed(slot_ids=slot_ids(), now=now):
            raise
    return change()


def release_lapsed(*, slot_ids: Collection[int], now: datetime) -> int:
    """Lapse the holds and requests whose time ran out at `now` on the dates `slot_ids`, as the
    sweep would, for a capacity lowered below seats taken that every read already counts free
    (issue 7): a host's (change_slot_capacity, update_schedule: _with_lapsed_released) and
    staff's (the slot admin's form). Returns the seats freed. Their seats are not offered to
    the waiting list here: the caller offers what the new capacity leaves free, after it
    (capacity_changed). A capacity still refused afterwards must undo this (the caller's
    transaction or savepoint): a refused change changes nothing.

    Locks, in the app's order (docs/bookings.md): the dates' listing first, as every edit of a
    listing's dates takes it before their locks (a caller holding it keeps it: a refused rule
    edit gave it back, and a date's lock taken before it could deadlock with an edit of the
    listing that holds it and waits for the date); then each date's lapsed bookings by id and
    the date (release_expired). A booking another transaction holds (a confirm at this moment)
    is skipped, not waited for, and its seats still count."""
    dates = list(slot_ids)
    list(listing_locked(Slot.objects.filter(pk__in=dates)).values_list("pk", flat=True))
    return sum(release_expired(slot_id=slot_id, now=now, offer_seats=False) for slot_id in dates)


def capacity_changed(*, slot: Slot, now: datetime) -> None:
    """After a date's capacity changed, by its host or by staff (the slot admin): open listing
    pages hear its new seats left, and seats it adds go to the waiting list first, as any freed
    seats do. Call in the transaction that changed it, holding the date's row lock, with `slot`
    as it now is; its seats_taken is then refreshed with the seats the offers took."""
    seats_changed(Slot.objects.filter(pk=slot.pk))
    offer_freed_seats(slot=slot, seats_left=slot.capacity - slot.seats_taken, now=now)
    slot.refresh_from_db(fields=["seats_taken"])
    close_entries_too_big(Slot.objects.filter(pk=slot.pk), now=now)


def close_entries_too_big(slots: QuerySet[Slot], *, now: datetime) -> None:
    """Close the waiting entries of `slots` bigger than their date's places, and tell their
    guests why: an entry is offered all its seats or none, so a group bigger than the date
    can never be offered a seat. They waited on, told nothing, until the date began (until
    session 24). Call holding the dates' row locks, after a change of their places (the app's
    lock order: dates, then entries). One statement when none is too big."""
    too_big = list(
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("guest", "slot__listing")
        .filter(slot__in=slots, status=Entry.WAITING, seats__gt=F("slot__capacity"))
        .order_by("slot_id", "id")
    )
    if not too_big:
        return
    WaitlistEntry.objects.filter(pk__in=[entry.pk for entry in too_big]).update(
        status=Entry.CLOSED, updated_at=now
    )
    for _slot_id, group in itertools.groupby(too_big, key=attrgetter("slot_id")):
        entries = list(group)
        effects.waitlist_too_big(entries[0].slot, entries)


@transaction.atomic
def update_schedule(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    schedule_id: int,
    data: ScheduleData,
    now: datetime,
    expected_version: ExpectedVersion = None,
) -> Schedule:
    """Change one of the host's schedule rules (scheduling's update_schedule, its rules,
    versions, refusals and `listing_id`). Open listing pages hear the new seats left of the
    rule's dates to come; when its new capacity adds seats to dates with a waiting list, those
    seats go to the list first, date by date, as with one date's capacity. Seats of holds and
    requests whose time ran out are free (_with_lapsed_released)."""
    change = partial(
        scheduling.update_schedule,
        host=host,
        listing_id=listing_id,
        schedule_id=schedule_id,
        data=data,
        now=now,
        expected_version=expected_version,
    )
    lapsed_on = partial(_lapsed_on_rule, schedule_id=schedule_id, now=now)
    schedule = _with_lapsed_released(change, slot_ids=lapsed_on, now=now)
    # The dates to come are locked by the change (scheduling's _future_slots_locked).
    dates = Slot.objects.filter(schedule=schedule, status=Slot.Status.OPEN, starts_at__gt=now)
    seats_changed(dates)
    _offer_free_seats(dates, now=now)
    close_entries_too_big(dates, now=now)
    return schedule


def _lapsed_on_rule(*, schedule_id: int, now: datetime) -> list[int]:
    """The rule's dates to come with a hold or request whose time ran out, in start order."""
    return list(
        Booking.objects.filter(
            slot__schedule_id=schedule_id,
            slot__starts_at__gt=now,
            status__in=Booking.PENDING,
            expires_at__lte=now,
        )
        .order_by("slot__starts_at", "slot_id")
        .values_list("slot_id", flat=True)
        .distinct()
    )


@transaction.atomic
def tell_waitlists_closed(*, entry_ids: Collection[int]) -> None:
    """Whoever waited on a date cancelled with its waiting list (scheduling.events.RETIRED) is
    told, once per entry, as of a date its host cancelled (effects.waitlist_closed)."""
    entries = (
        WaitlistEntry.objects.filter(pk__in=entry_ids, status=WaitlistEntry.Status.CLOSED)
        .select_related("guest", "slot__listing")
        .order_by("slot_id", "id")
    )
    for _slot_id, group in itertools.groupby(entries, key=attrgetter("slot_id")):
        closed = list(group)
        effects.waitlist_closed(closed[0].slot, closed)


def offer_to_waiting_lists(
    *, listing_id: int | None = None, host_id: int | None = None, now: datetime
) -> None:
    """A listing (or every listing of a host) is bookable again: the seats free on its upcoming
    dates go to their waiting lists first, as freed seats do (none were offered meanwhile)."""
    slots = Slot.objects.all()
    if listing_id is not None:
        slots = slots.filter(listing_id=listing_id)
    if host_id is not None:
        slots = slots.filter(listing__host_id=host_id)
    _offer_free_seats(slots, now=now)


def _offer_free_seats(slots: QuerySet[Slot], *, now: datetime) -> None:
    """Offer the free seats of the upcoming open dates among `slots` that have a waiting list
    (each offer's seats are announced by the statement that takes them, seats.take_seats). Each
    date's row is locked (dates in start order, then their entries: the app's lock order), so
    that its seats are read as they are."""
    waited_for = (
        slots.filter(
            Exists(WaitlistEntry.objects.filter(slot=OuterRef("pk"), status=Entry.WAITING)),
            status=Slot.Status.OPEN,
            starts_at__gt=now,
            seats_taken__lt=F("capacity"),
        )
        .select_for_update(of=("self",))
        .order_by("starts_at", "id")
    )
    for slot in waited_for:
        offer_freed_seats(slot=slot, seats_left=slot.capacity - slot.seats_taken, now=now)
