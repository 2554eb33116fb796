"""Cancelling a whole date, by its host, by staff, or because its minimum number of guests was
not reached at the cut-off (decided by the periodic run, or at once for a date past its cut-off
when its host raises the minimum: update_listing). Each active booking is cancelled in full
(cancellation.cancel_in_full), whoever waits for a seat is told, and the date is closed, in one
transaction holding the locks of the date and its bookings."""

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Value
from django.utils.translation import gettext as _

from outings.accounts.models import HostProfile, User
from outings.bookings import effects
from outings.bookings.errors import InvalidBookingState
from outings.bookings.models import TOO_FEW_GUESTS, Booking, WaitlistEntry
from outings.bookings.services.cancellation import REASON_MAX, cancel_in_full
from outings.bookings.services.core import end_booking, locked
from outings.bookings.services.holds import tell_if_on
from outings.catalog import services as catalog
from outings.catalog.models import Listing
from outings.catalog.services import ListingData, ensure_active
from outings.common.errors import (
    ExpectedVersion,
    NotFound,
    VersionCondition,
    version_is_current,
)
from outings.scheduling.models import Slot
from outings.scheduling.rules import SlotConflict
from outings.scheduling.services.capacity import host_slot, listing_locked
from outings.stats import services as stats

Status = Booking.Status
Party = Booking.Party
# What staff need to cancel a date: the permission to change dates (the admin's action on
# "Slots" asks for it).
CANCEL_DATES_AS_STAFF = "scheduling.change_slot"


def _slot_and_bookings_locked(*, slot_id: int) -> tuple[Slot, list[Booking]] | None:
    """Lock every active booking of the slot (by id), then the slot (the app's lock order), then
    any booking that became active between the two (a lapsed hold confirmed in time after all:
    it took seats, so the slot's lock now keeps out any more). Until the caller commits, none of
    the date's bookings changes and no seats are taken on it: what the caller reads of them is
    what it decides on. None when the date is gone: deleted, unbooked, while this waited for
    its row (its listing archived, its rule removed: they delete the unbooked dates to come
    under their locks). It was Slot.DoesNotExist, a 500, until session 19
    (test_races_session19_date_gone.py)."""
    active = Booking.objects.filter(slot_id=slot_id, status__in=Booking.ACTIVE)
    bookings = list(locked(active))
    slot = (
        Slot.objects.select_related("listing")
        .select_for_update(of=("self",))
        .filter(pk=slot_id)
        .first()
    )
    if slot is None:
        return None
    bookings += list(locked(active.exclude(pk__in=[b.pk for b in bookings])))
    return slot, bookings


def _lock_their_days(bookings: list[Booking]) -> None:
    """Lock the statistics' rows of the days the confirmed `bookings` were counted on, which
    their cancellation takes them off (effects.ended): all first, in the order the views flush
    takes them, rather than one by one in the bookings' order. Call holding the bookings' and
    their dates' locks."""
    stats.lock_days(
        days=[
            (booking.listing_id, booking.counted_on)
            for booking in bookings
            if booking.status == Status.CONFIRMED and booking.counted_on is not None
        ]
    )


def _dates_and_bookings_locked(*, slot_ids: list[int]) -> None:
    """Lock the active bookings of several dates (by id), then the dates (by start), then any
    booking that became active between the two, then the days they were counted on: what
    `_slot_and_bookings_locked` and `_close_slot` take for one date, taken for all before any
    is decided. Decided one by one, each date took its days after the dates before it had
    taken theirs, in no common order, and met the views flush (or the run deciding one of
    them) in a deadlock (until session 25)."""
    active = Booking.objects.filter(slot_id__in=slot_ids, status__in=Booking.ACTIVE)
    bookings = list(locked(active))
    dates = Slot.objects.select_for_update(of=("self",)).filter(pk__in=slot_ids)
    list(dates.order_by("starts_at", "id").values_list("pk", flat=True))
    bookings += list(locked(active.exclude(pk__in=[b.pk for b in bookings])))
    _lock_their_days(bookings)


def _close_slot(
    slot: Slot,
    bookings: list[Booking],
    *,
    by: str,
    actor: User | None,
    reason: str,
    now: datetime,
) -> Slot:
    """Cancel the slot's active bookings in full, then the slot and its waiting list; the host
    hears of it once, unless they cancelled it. Call holding their locks
    (_slot_and_bookings_locked)."""
    # A hold or request whose time ran out is over, though the sweep has not recorded it yet:
    # it lapses, as the sweep would, and the host knew of no booking in it. Cancelled with the
    # rest, its guest (whose page read it expired) was mailed "cancelled by the host", and a
    # request the host let lapse counted as their cancellation.
    lapsed = [booking for booking in bookings if booking.status_at(now) != booking.status]
    bookings = [booking for booking in bookings if booking not in lapsed]
    known = sum(1 for booking in bookings if booking.status != Status.HELD)
    # The entries still open before the bookings end: an open offer's entry is closed with the
    # rest, not marked lapsed by its offer's end (its guest neither let it lapse nor turned it
    # down). No offer is made or taken meanwhile: the caller holds the date's and offers' locks.
    # An offer that ran out leaves its entry lapsed, as the sweep does (closed until session 22).
    open_ids = list(
        WaitlistEntry.objects.filter(
            slot=slot, status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED]
        )
        .exclude(pk__in=[b.waitlist_entry_id for b in lapsed if b.waitlist_entry_id is not None])
        .values_list("pk", flat=True)
    )
    _lock_their_days(bookings)
    for booking in lapsed:
        end_booking(
            booking,
            status=booking.status_at(now),
            by=Party.SYSTEM,
            actor=None,
            now=now,
            offer_seats=False,  # the date closes: nothing is offered on it
            tell_host=False,
        )
    for booking in bookings:
        cancel_in_full(booking, by=by, actor=actor, reason=reason, now=now, whole_date=True)
    # Released in SQL just now.
    slot.seats_taken -= sum(booking.seats for booking in [*lapsed, *bookings])
    slot.status = Slot.Status.CANCELLED
    slot.minimum_checked_at = now
    slot.save(update_fields=["status", "minimum_checked_at"])
    open_entries = WaitlistEntry.objects.filter(
        pk__in=open_ids,
        status__in=[
            WaitlistEntry.Status.WAITING,
            WaitlistEntry.Status.OFFERED,
            WaitlistEntry.Status.LAPSED,  # its offer ended just now, with the date
        ],
    )
    waiting = list(
        open_entries.filter(status=WaitlistEntry.Status.WAITING)
        .select_for_update(of=("self",))
        .select_related("guest")
        .order_by("id")
    )
    open_entries.update(status=WaitlistEntry.Status.CLOSED, updated_at=now)
    effects.waitlist_closed(slot, waiting)
    if by != Party.HOST:
        effects.slot_cancelled(slot, by=by, reason=reason, known=known)
    return slot


@transaction.atomic
def cancel_slot(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    slot_id: int,
    reason: str,
    now: datetime,
    expected_version: ExpectedVersion = None,
) -> Slot:
    """The host cancels a date of theirs, booked or not: every guest is told and due a full
    refund, and each cancellation counts against the host. With `listing_id` (the listing the
    caller's path names) a date of another of the host's listings is NotFound like a missing
    one; without it (the roster page, whose path names only the date) any of the host's dates.
    With `expected_version` (or several), only if the date is still at it (its places as the
    host last set them: Slot.version), checked under its lock before its state (SlotConflict).
    The date's state is checked under its lock (`_close_open_slot`). An archived listing's
    dates are NotFound, as its rules and their places are (change_slot_capacity): archiving
    is final, and takes its dates to come off sale itself."""
    ensure_active(host)
    own = host_slot(host=host, slot_id=slot_id, listing_id=listing_id)
    # The listing's row lock first (the order of a listing's edit, of its archive and of
    # update_listing: the listing, then its dates' bookings, then the dates), its status read
    # under it: an archive committing meanwhile is seen, and the date is NotFound as it is
    # after (read without the lock, it went on to the date's row and found it deleted: a 500).
    if not listing_locked(own).exists():
        raise NotFound(_("There is no such date."))
    return _close_open_slot(
        slot_id=slot_id,
        by=Party.HOST,
        actor=host.user,
        reason=reason[:REASON_MAX],
        now=now,
        expected_version=expected_version,
    )


@transaction.atomic
def cancel_slot_as_staff(*, staff: User, slot_id: int, reason: str, now: datetime) -> Slot:
    """Staff cancel any date, booked or not (the admin's "Cancel dates" action): as a host's
    cancellation, every guest is told and due a full refund, whoever waits for a seat is told,
    and each booking's cancellation is recorded with the staff member's name (by staff, not
    counted against the host, who is told of each, as of a guest's). Staff without
    CANCEL_DATES_AS_STAFF, or anyone else: NotFound, as for a date that does not exist."""
    if not (staff.may_as_staff(CANCEL_DATES_AS_STAFF) and Slot.objects.filter(pk=slot_id).exists()):
        raise NotFound(_("There is no such date."))
    return _close_open_slot(
        slot_id=slot_id, by=Party.STAFF, actor=staff, reason=reason[:REASON_MAX], now=now
    )


def _close_open_slot(
    *,
    slot_id: int,
    by: str,
    actor: User | None,
    reason: str,
    now: datetime,
    expected_version: ExpectedVersion = None,
) -> Slot:
    """Cancel the date and its bookings if it is open and has not begun, checked under its lock
    and its bookings': of two cancellations at once (a double click, the minimum's cut-off,
    its host and staff) the second is refused as already cancelled."""
    found = _slot_and_bookings_locked(slot_id=slot_id)
    if found is None:
        raise NotFound(_("There is no such date."))
    slot, bookings = found
    if not version_is_current(slot.version, expected_version):
        raise SlotConflict(current=slot)
    if slot.status == Slot.Status.CANCELLED:
        raise InvalidBookingState(_("This date is already cancelled."))
    if slot.starts_at <= now:
        raise InvalidBookingState(_("This date has already started."))
    return _close_slot(slot, bookings, by=by, actor=actor, reason=reason, now=now)


def slots_due_for_minimum(*, now: datetime) -> list[int]:
    """Open slots of listings with a minimum whose cut-off has come and that are undecided."""
    cutoff = ExpressionWrapper(
        F("listing__min_guests_cutoff_hours") * Value(timedelta(hours=1)),
        output_field=DurationField(),
    )
    return list(
        Slot.objects.filter(
            status=Slot.Status.OPEN,
            minimum_checked_at__isnull=True,
            listing__min_guests__gt=0,
            starts_at__gt=now,
        )
        .alias(cutoff_at=F("starts_at") - cutoff)
        .filter(cutoff_at__lte=now)
        .order_by("starts_at")
        .values_list("pk", flat=True)[:500]
    )


@transaction.atomic
def decide_minimum(
    *,
    slot_id: int,
    now: datetime,
    minimum: int | None = None,
    clock: Callable[[], datetime] | None = None,
) -> bool:
    """At a slot's cut-off: with fewer confirmed guests than the listing's minimum (or than
    `minimum`, the one a date past its cut-off had before its host raised it: update_listing)
    it is cancelled, every guest told and refunded in full; otherwise it stays on. A date that
    has begun by `now` (its start read under its lock) is left as it is. True if cancelled.
    `clock` (the periodic run's timezone.now): when given, `now` is read from it once the locks
    are held, since the wait for them can outlast the date's start.
    Idempotent: a decided slot is left alone. Decided holding the locks of the date and of its
    active bookings (_slot_and_bookings_locked): a confirmation or a cancellation under way is
    counted once it commits, never read before it and then overtaken by the decision."""
    undecided = Slot.objects.filter(
        pk=slot_id, status=Slot.Status.OPEN, minimum_checked_at__isnull=True
    )
    if not undecided.exists():
        return False  # the usual answer of a repeated run: no locks taken
    found = _slot_and_bookings_locked(slot_id=slot_id)
    if found is None:
        return False  # deleted while we waited for its row: nothing to decide
    slot, bookings = found
    if slot.status != Slot.Status.OPEN or slot.minimum_checked_at is not None:
        return False  # decided, or cancelled by its host, while we waited for the locks
    if clock is not None:
        now = clock()  # the time it is decided at: a date may have begun while we waited
    if slot.starts_at <= now:
        # Under way (staff moved its start into the past while this waited, or the run reached
        # it late): it takes place with whoever comes, as a cancellation of it is refused. No
        # run lists it again (slots_due_for_minimum: starts_at > now).
        return False
    minimum = slot.listing.min_guests if minimum is None else minimum
    guests = sum(booking.seats for booking in bookings if booking.status == Status.CONFIRMED)
    if guests >= minimum:
        Slot.objects.filter(pk=slot_id).update(minimum_checked_at=now)
        # Reached without a confirmation saying so (the host lowered the minimum), or guests
        # skipped while their booking was locked: told now, before the date.
        tell_if_on(slot_id=slot_id, minimum=minimum, now=now)
        return False
    _close_slot(slot, bookings, by=Party.SYSTEM, actor=None, reason=TOO_FEW_GUESTS, now=now)
    return True


@transaction.atomic
def update_listing(
    *,
    host: HostProfile,
    listing_id: int,
    expected_version: int | Collection[int] | VersionCondition[int],
    data: ListingData,
    actor: User,
    now: datetime,
    clock: Callable[[], datetime] | None = None,
) -> Listing:
    """A host's edit of one of their listings (catalog's update_listing: its checks, version
    and refusals). `clock` (the pages' and the API's timezone.now): when given, `now` is read
    from it once the listing's lock is held, since the wait for it can outlast a date's
    cut-off (a date whose cut-off passed meanwhile was left to the next run, which decided it
    by the new minimum, until session 24). A minimum of guests raised applies to the dates
    whose cut-off is still ahead:
    an open date whose cut-off has passed (by the cut-off as it was, or as the edit sets it) and
    that is not decided yet is decided at once under the minimum it had (decide_minimum), in
    the edit's transaction; with no minimum before, it stays on. Left to the next run, it was
    decided under the new minimum: cancelled at once, its guests told and refunded hours before
    it by a rule set after its cut-off. A lower minimum needs nothing: the dates not decided
    yet are decided under it, which only keeps more of them on.
    Locks the listing's row first, then each such date's bookings and the date (the app's lock
    order: docs/bookings.md)."""
    was = (
        Listing.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=listing_id, host=host)
        .values_list("min_guests", "min_guests_cutoff_hours")
        .first()
    )
    if clock is not None:
        now = clock()  # the time the edit is made at: a cut-off may have passed while we waited
    listing = catalog.update_listing(
        host=host,
        listing_id=listing_id,
        expected_version=expected_version,
        data=data,
        actor=actor,
        now=now,
    )
    if was is None or listing.min_guests <= was[0]:
        return listing
    minimum, hours = was[0], max(was[1], listing.min_guests_cutoff_hours)
    past_cutoff = Slot.objects.filter(
        listing_id=listing.pk,
        status=Slot.Status.OPEN,
        minimum_checked_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=hours),
    )
    due = list(past_cutoff.order_by("starts_at").values_list("pk", flat=True))
    _dates_and_bookings_locked(slot_ids=due)
    for slot_id in due:
        decide_minimum(slot_id=slot_id, now=now, minimum=minimum)
    return listing
