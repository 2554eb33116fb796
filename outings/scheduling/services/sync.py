"""A schedule's future slots brought in line with its rule and exceptions: after every change
of a host's (`sync_schedule_slots`, in the change's transaction) and hourly by beat for every
schedule (`materialize_schedules`), so the horizon moves forward. Slots with seats taken are
never removed; unbooked ones no longer wanted are retired (`retire`)."""

import bisect
import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.selectors import held_by_bookings
from outings.catalog.models import Listing
from outings.common import outbox
from outings.common.zones import zone_or_utc
from outings.scheduling import events
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import SlotHasBookings
from outings.scheduling.services.expansion import (
    desired_starts,
    exceptions_of,
    new_slot,
    one_group_at_a_time,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    created: int
    removed: int
    kept_booked: int


def sync_schedule_slots(
    *, schedule: Schedule, now: datetime, horizon_days: int, strict: bool = True
) -> SyncResult:
    """Make the schedule's future slots match its rule and exceptions from the listing's local
    today to `horizon_days` ahead (a one-off date's day, however far ahead): create the missing
    ones, delete the ones no longer wanted, keep end times in step with the listing's duration.
    Idempotent.

    A slot no longer wanted that bookings hold seats on is never deleted: with `strict` (a
    host's change) the whole change is refused with SlotHasBookings; otherwise (the periodic
    run) it is kept and counted. One with none goes (`retire`): a hold or a request whose time
    ran out holds none (held_by_bookings), as every read of seats left counts it; it counted
    until the sweep recorded it, and the host's change was refused (until session 22). A
    wanted start whose slot was retired that way comes back as that slot, reopened. Cancelled
    slots are left as they are. Call inside a transaction."""
    listing = schedule.listing
    zone = zone_or_utc(listing.time_zone)
    today = now.astimezone(zone).date()
    duration = timedelta(minutes=listing.slot_minutes)
    last_day = today + timedelta(days=horizon_days)
    if schedule.kind == Schedule.Kind.ONCE:
        # The horizon bounds the expansion of open-ended weekly rules; a one-off date is a
        # single day, and a host who adds it, however far ahead, expects it bookable at once.
        last_day = max(last_day, schedule.valid_from)
    starts = desired_starts(
        schedule=schedule,
        exceptions=exceptions_of(schedule),
        zone=zone,
        first_day=today,
        last_day=last_day,
    )
    # The starts are expanded from the local today: a group of the rule that began on an
    # earlier day and is out still (a listing may last up to a week) is not among them, and
    # the starts while it is out got dates, two groups at once (until session 20).
    out_until = Slot.objects.filter(
        schedule=schedule, status=Slot.Status.OPEN, starts_at__lt=now, ends_at__gt=now
    ).aggregate(end=Max("ends_at"))["end"]
    wanted = {
        start
        for start in one_group_at_a_time(starts, duration, free_from=out_until)
        if start >= now
    }
    existing = {
        slot.starts_at: slot
        for slot in Slot.objects.select_for_update().filter(schedule=schedule, starts_at__gte=now)
    }
    unwanted = [slot for start, slot in existing.items() if start not in wanted]
    held = held_by_bookings([slot.pk for slot in unwanted if slot.seats_taken > 0], now=now)
    booked = [slot for slot in unwanted if slot.pk in held]
    if booked and strict:
        raise SlotHasBookings(
            _("Guests have booked %(when)s; cancel those bookings first.")
            % {"when": ", ".join(f"{s.starts_at.astimezone(zone):%Y-%m-%d %H:%M}" for s in booked)},
            slots=booked,
        )
    removed = retire([slot.pk for slot in unwanted if slot.pk not in held], now=now)
    new_starts = _clear_of_other_groups(
        schedule=schedule, starts=wanted - existing.keys(), duration=duration
    )
    retired = Slot.objects.select_for_update().filter(
        listing_id=listing.pk,
        schedule__isnull=True,
        status=Slot.Status.CANCELLED,
        seats_taken=0,
        starts_at__in=new_starts,
    )
    reopened = {slot.starts_at for slot in retired}
    retired.update(
        schedule=schedule,
        status=Slot.Status.OPEN,
        capacity=schedule.capacity,
        own_capacity=False,
        version=F("version") + 1,
        minimum_checked_at=None,
        minimum_met_at=None,
    )
    missing = [new_slot(schedule, start, duration) for start in sorted(new_starts - reopened)]
    # A start another schedule (or a hand-made slot) already holds is skipped, not an error.
    created = Slot.objects.bulk_create(missing, ignore_conflicts=True)
    # Not a cancelled date: the record of its cancelled bookings, told at the times it had.
    open_dates = Slot.objects.filter(schedule=schedule, status=Slot.Status.OPEN, starts_at__gte=now)
    retime(open_dates, duration=duration)
    return SyncResult(
        created=len(created) + len(reopened), removed=removed, kept_booked=len(booked)
    )


def retime(slots: QuerySet[Slot], *, duration: timedelta) -> None:
    """End each of `slots` `duration` after its start; the guests of those booked, and whoever
    waits for a seat on them, are told, a booked guest with the calendar event at its new end
    (the bookings app reads RETIMED). Call under their locks."""
    retimed = slots.exclude(ends_at=F("starts_at") + duration)
    booked = list(with_guests(retimed).values_list("pk", flat=True))
    retimed.update(ends_at=F("starts_at") + duration)
    if booked:
        announce_retimed(slot_ids=booked)


def announce_retimed(*, slot_ids: list[int], was_starts_at: dict[str, str] | None = None) -> None:
    """Write the outbox row (events.RETIMED) that tells the guests of the dates `slot_ids`,
    whose times moved, and whoever waits on them. Call in the move's transaction, holding the
    dates' row locks. It names the last booking and the last waiting-list entry made on them
    before the move (their ids come from sequences: one made later, by a hold or a join that
    waited for a date's row, has a higher one), so that only guests who took their seats or
    their place at the old time are told: a hold taken while the date moved, at its new time,
    was told "New time" too, from a time it never had (until session 19)."""
    # One statement: each date's last booking and entry (its own index rows), the latest of them.
    last = (
        Slot.objects.filter(pk__in=slot_ids)
        .annotate(its_booking=_last_of(Booking), its_entry=_last_of(WaitlistEntry))
        .aggregate(booking=Max("its_booking"), entry=Max("its_entry"))
    )
    payload: dict[str, object] = {
        "slots": slot_ids,
        "last_booking": last["booking"] or 0,
        "last_entry": last["entry"] or 0,
    }
    if was_starts_at:
        payload["was_starts_at"] = was_starts_at
    outbox.enqueue(kind=events.RETIMED, payload=payload)


def _last_of(model: type[Booking] | type[WaitlistEntry]) -> Subquery:
    """The highest id among the date's rows of `model` (bookings or waiting-list entries)."""
    rows = model.objects.filter(slot=OuterRef("pk")).order_by().values("slot")
    return Subquery(rows.annotate(last=Max("pk")).values("last"))


def with_guests(slots: QuerySet[Slot]) -> QuerySet[Slot]:
    """Those of `slots` whose move someone must hear of: seats taken on them, or someone waiting
    for a seat (a date whose seats were freed while its listing was paused keeps its waiting
    list, and an offer comes at the date's time once it is bookable again)."""
    waiting = WaitlistEntry.objects.filter(slot=OuterRef("pk"), status=WaitlistEntry.Status.WAITING)
    return slots.filter(Q(seats_taken__gt=0) | Exists(waiting))


def _clear_of_other_groups(
    *, schedule: Schedule, starts: set[datetime], duration: timedelta
) -> set[datetime]:
    """`starts` without those whose group would be out at the same time as an open slot of the
    listing that is not `schedule`'s (another rule's, or a date made by hand): rules are
    compared on the wall clock, and on the night clocks go forward two rules' starts can meet in
    real time (one_group_at_a_time, across rules). The slot made first keeps its place."""
    if not starts:
        return starts
    others = sorted(
        Slot.objects.filter(
            listing_id=schedule.listing_id,
            status=Slot.Status.OPEN,
            starts_at__lt=max(starts) + duration,
            ends_at__gt=min(starts),
        )
        .exclude(schedule=schedule)
        .values_list("starts_at", "ends_at")
    )
    begins = [begin for begin, _ in others]
    # The latest end among the others that begin up to each one: a group starting at `start`
    # meets one of those beginning before it ends iff the latest of their ends is after `start`.
    latest_end = list(itertools.accumulate((end for _, end in others), max))

    def clear(start: datetime) -> bool:
        before_end = bisect.bisect_left(begins, start + duration)
        return before_end == 0 or latest_end[before_end - 1] <= start

    return {start for start in starts if clear(start)}


def retire(slot_ids: Iterable[int], *, now: datetime) -> int:
    """Take unbooked future slots off sale (no seats held at `now`, held_by_bookings: call under
    their locks), as of `now` (the caller's: the instant its other writes carry); how many.
    A slot no booking ever named and nobody waits on is deleted. One that bookings name
    (cancelled, lapsed or declined ones: a booking's slot is protected) stays as their record
    (the seats of a hold or request that lapsed given back when the sweep records it),
    cancelled and no longer its schedule's; a schedule that wants its start again reopens it.
    One somebody waits on (its seats freed while the listing was paused) is cancelled too, its
    waiting list closed, and the bookings app tells whoever was on it (events.RETIRED):
    deleted, the list went with it, unheard of."""
    ids = list(slot_ids)
    named = set(
        Slot.objects.filter(pk__in=ids, bookings__isnull=False).values_list("pk", flat=True)
    )
    waiting = WaitlistEntry.objects.filter(slot_id__in=ids, status=WaitlistEntry.Status.WAITING)
    closed = dict(waiting.select_for_update().values_list("pk", "slot_id"))
    kept = named | set(closed.values())
    Slot.objects.filter(pk__in=kept).update(status=Slot.Status.CANCELLED, schedule=None)
    Slot.objects.filter(pk__in=set(ids) - kept).delete()
    if closed:
        WaitlistEntry.objects.filter(pk__in=closed).update(
            status=WaitlistEntry.Status.CLOSED, updated_at=now
        )
        outbox.enqueue(kind=events.RETIRED, payload={"entries": sorted(closed)})
    return len(ids)


def materialize_schedules(*, now: datetime, horizon_days: int) -> SyncResult:
    """The periodic run: bring every live schedule's slots up to the horizon, each in its own
    transaction so that one failure does not hold back the rest. Never removes booked slots.

    Each schedule under its listing's row lock and then its own (the order of a host's change
    and of staff's save of a date, SlotAdminForm._lock): a date staff add or move in the
    admin is checked against the listing's other dates under that lock, and the dates made here
    against the listing's others too (_clear_of_other_groups); with only the rule locked, each
    missed the other's date, not yet committed, and both were saved, two groups out at once.
    The listing's status is read again under its lock: one archived while the lock waited
    had its dates made anew (until session 20). A rule that fails is logged and passed over."""
    created = removed = kept = 0
    live = Schedule.objects.exclude(listing__status=Listing.Status.ARCHIVED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=(now - timedelta(days=1)).date())
    )
    for schedule_id, listing_id in live.values_list("pk", "listing_id").order_by("pk"):
        try:
            result = _materialize_one(
                schedule_id=schedule_id, listing_id=listing_id, now=now, horizon_days=horizon_days
            )
        except Exception:  # any one rule's: logged, and tried again next hour
            # It ended the run until session 20: every rule after it got no dates.
            logger.exception(
                "schedules: rule %s of listing %s failed; the others go on", schedule_id, listing_id
            )
            continue
        if result is not None:
            created, removed = created + result.created, removed + result.removed
            kept += result.kept_booked
    return SyncResult(created=created, removed=removed, kept_booked=kept)


def _materialize_one(
    *, schedule_id: int, listing_id: int, now: datetime, horizon_days: int
) -> SyncResult | None:
    """One rule of the hourly run, in its own transaction, under its listing's lock and then
    its own (materialize_schedules); None when it has nothing to do (the rule or its listing
    gone or archived meanwhile)."""
    locking = Schedule.objects.select_for_update(of=("self",)).select_related("listing")
    for _attempt in range(3):
        with transaction.atomic():
            if lock_listing(listing_id) in (None, Listing.Status.ARCHIVED):
                # Archived (or deleted) since the rules were read, while the lock waited
                # for it: its dates to come were retired, and must not be made again.
                return None
            schedule = locking.filter(pk=schedule_id).first()
            if schedule is None:
                # Locked with a JOIN of its listing, a rule given to another listing
                # while the lock waited drops out of the result: PostgreSQL rechecks the
                # changed row against the listing row it had read. Its lock is held by
                # then: read again, it is found as it now is. Only on this rare path, not
                # a statement more for every rule.
                schedule = locking.filter(pk=schedule_id).first()
            if schedule is None:
                return None  # deleted meanwhile
            if schedule.listing_id != listing_id:
                # Given to another listing meanwhile: that listing's lock first, as above
                # (nothing written yet; the locks taken go with this transaction).
                listing_id = schedule.listing_id
                continue
            return sync_schedule_slots(
                schedule=schedule, now=now, horizon_days=horizon_days, strict=False
            )
    return None


def lock_listing(listing_id: int) -> str | None:
    """Take the listing's row lock, the first of every change of its dates (no key update:
    bookings' foreign keys to it do not wait), and read its status under it; None when there
    is no such listing."""
    return (
        Listing.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=listing_id)
        .values_list("status", flat=True)
        .first()
    )
