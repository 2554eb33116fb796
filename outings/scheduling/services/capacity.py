"""A date's capacity: one date's own (`change_slot_capacity`, versioned), the refusal of a
capacity below its seats taken (a rule's too), and the fewest seats the listing's dates offer
(`smallest_capacity`, which a new smallest group may not exceed). A date whose places were set
on it keeps them when its rule's capacity changes (`Slot.own_capacity`, `follows_no_rule`)."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing
from outings.catalog.services.errors import ensure_active
from outings.common.errors import ExpectedVersion, NotFound, version_is_current
from outings.common.zones import zone_or_utc
from outings.scheduling import rules
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import (
    CapacityBelowSeatsTaken,
    SlotCancelled,
    SlotConflict,
    SlotStarted,
)


def change_slot_capacity(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    slot_id: int,
    capacity: int,
    now: datetime,
    expected_version: ExpectedVersion = None,
) -> Slot:
    """Set one slot's capacity, under the listing's row lock and then the slot's (a booking
    taking seats at the same moment is either counted here or sees the new capacity).

    With `expected_version` (or several: an If-Match naming more than one ETag), only if the
    slot is still at it: of two editors holding the same version exactly one wins, the other
    gets SlotConflict with the slot as it is. The version moves with the capacity a host sets,
    never with seats taken, so a guest booking meanwhile refuses no edit (the seats are
    checked on their own: CapacityBelowSeatsTaken). A cancelled date's places stay as they
    were (SlotCancelled, after the version: a cancellation does not move it), and so do those
    of a date that has begun by `now` (SlotStarted). An archived listing's dates are NotFound,
    as its rules are: archiving is final."""
    ensure_active(host)
    refusal = rules.capacity_refusal(capacity)
    if refusal is not None:
        raise rules.InvalidCapacity(fields={"capacity": [refusal]})
    own = host_slot(host=host, slot_id=slot_id, listing_id=listing_id)
    # The listing's row lock first (update_listing's order: listing, then its dates), so that a
    # smallest group raised at the same moment is either seen here or sees this capacity. An
    # archived listing's dates are refused as its rules are (schedules._own_listing_locked):
    # read under this lock, so an archive committing meanwhile is seen.
    listing = listing_locked(own).values_list("min_group_size", "min_guests").first()
    if listing is None:
        raise NotFound()
    smallest_group, min_guests = listing
    slot = own.select_for_update(of=("self",)).select_related("listing").first()
    if slot is None:
        raise NotFound()
    if not version_is_current(slot.version, expected_version):
        raise SlotConflict(current=slot)
    if slot.status == Slot.Status.CANCELLED:
        # Checked under the slot's lock, which cancel_slot holds until it commits.
        raise SlotCancelled()
    if slot.starts_at <= now:
        raise SlotStarted()
    # Fewer seats than the smallest group, or than the minimum of guests: nobody could book the
    # date, or it would always be cancelled for too few guests (a rule's capacity too).
    refusal = rules.capacity_refusal(capacity, min_group_size=smallest_group, min_guests=min_guests)
    if refusal is not None:
        raise rules.InvalidCapacity(fields={"capacity": [refusal]})
    if slot.seats_taken > capacity:
        raise below_seats_taken(slot, slot.listing)
    slot.capacity = capacity
    slot.own_capacity = follows_no_rule(slot)
    slot.version += 1
    slot.save(update_fields=["capacity", "own_capacity", "version"])
    return slot


def follows_no_rule(slot: Slot) -> bool:
    """Whether `slot`'s places (just set on it, by its host or staff) are its own, which a new
    capacity of its rule leaves alone: another number than its rule's. Set back to the rule's,
    it follows the rule again. Call holding the listing's row lock, which a rule's edit takes
    first too (update_schedule), so that the rule's capacity read here is the one that stays."""
    if slot.schedule_id is None:
        return False
    rule = Schedule.objects.filter(pk=slot.schedule_id).values_list("capacity", flat=True).first()
    return rule is not None and rule != slot.capacity


def below_seats_taken(slot: Slot, listing: Listing) -> CapacityBelowSeatsTaken:
    """The refusal of a capacity below the seats taken on `slot`, a date of `listing`."""
    when = f"{slot.starts_at.astimezone(zone_or_utc(listing.time_zone)):%Y-%m-%d %H:%M}"
    return CapacityBelowSeatsTaken(
        _("%(n)s seats are already taken on %(when)s: capacity cannot go below %(n)s.")
        % {"n": slot.seats_taken, "when": when},
        fields={"capacity": [_("At least %(n)s.") % {"n": slot.seats_taken}]},
    )


def smallest_capacity(*, listing: Listing, now: datetime) -> int | None:
    """The fewest seats any rule of the listing that still runs, or any of its open dates to
    come, offers (None without either): a smallest group above it could book none of those
    dates. A rule that ended (a one-off date gone by) makes no more dates."""
    today = now.astimezone(zone_or_utc(listing.time_zone)).date()
    running = Schedule.objects.filter(listing=listing).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    capacities = [
        *running.values_list("capacity", flat=True),
        *Slot.objects.filter(listing=listing, status=Slot.Status.OPEN, starts_at__gt=now)
        .values_list("capacity", flat=True)
        .order_by("capacity")[:1],
    ]
    return min(capacities, default=None)


def host_slot(*, host: HostProfile, slot_id: int, listing_id: int | None = None) -> QuerySet[Slot]:
    """The host's date `slot_id` (of the listing `listing_id`, when given), not yet read."""
    own = Slot.objects.filter(pk=slot_id, listing__host=host)
    return own if listing_id is None else own.filter(listing_id=listing_id)


def listing_locked(dates: QuerySet[Slot]) -> QuerySet[Listing]:
    """The listing of `dates`, unless archived, its row locked FOR NO KEY UPDATE when read: the
    first lock of a change to one of a listing's dates (a listing's edit and its archive take it
    first too), so that its status and limits, read under it, are as they commit."""
    return (
        Listing.objects.select_for_update(of=("self",), no_key=True)
        .filter(slots__in=dates)
        .exclude(status=Listing.Status.ARCHIVED)
    )
