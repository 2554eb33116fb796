"""Writes to schedules and slots.

Wall-clock rules are expanded in the listing's IANA zone. A local time that does not exist (the
hour skipped when clocks go forward) produces no slot, and a one-off date at such a time is
refused; a local time that exists twice (the hour repeated when clocks go back) is resolved to
its *first* occurrence (fold=0, the earlier instant).
One listing runs one group at a time in real time too: on the night clocks go forward, a start
that would begin before the previous group of its schedule ends produces no slot
(`one_group_at_a_time`), like a start in the skipped hour, and so does one whose group would be
out with another rule's (`_clear_of_other_groups`).
"""

import bisect
import itertools
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing
from outings.catalog.services.errors import ensure_active
from outings.common import outbox
from outings.common.errors import NotFound, highest_version, version_is_current
from outings.scheduling import events, rules
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import (
    CapacityBelowSeatsTaken,
    ScheduleConflict,
    ScheduleData,
    SlotConflict,
    SlotHasBookings,
)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of wall-clock `day at` in `zone`, or None if that time does not exist."""
    local = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # in a DST gap: the wall clock skips this time
    return instant


def expand_weekly(
    *,
    weekdays: Iterable[int],
    start_times: Iterable[time],
    zone: ZoneInfo,
    first_day: date,
    last_day: date,
) -> Iterator[datetime]:
    """Every instant of a weekly rule between two local dates, inclusive, in order."""
    days = set(weekdays)
    times = sorted(start_times)
    day = first_day
    while day <= last_day:
        if day.weekday() in days:
            for at in times:
                instant = local_instant(day, at, zone)
                if instant is not None:
                    yield instant
        day += timedelta(days=1)


def one_group_at_a_time(starts: Iterable[datetime], duration: timedelta) -> Iterator[datetime]:
    """The starts in order, without any that would begin before the group kept before it ends.
    Rules are checked on the wall clock; this keeps them true in real time, where on the night
    clocks go forward 01:30 and 03:00 are 30 minutes apart."""
    free_from: datetime | None = None
    for start in sorted(starts):
        if free_from is None or start >= free_from:
            free_from = start + duration
            yield start


def slots_for_schedule(
    *, schedule: Schedule, today: date, horizon_days: int, duration: timedelta
) -> list[Slot]:
    """Unsaved slots a schedule should have from today to the horizon."""
    zone = ZoneInfo(schedule.listing.time_zone)
    first = max(today, schedule.valid_from)
    last = today + timedelta(days=horizon_days)
    if schedule.valid_until is not None:
        last = min(last, schedule.valid_until)
    return [
        Slot(
            listing_id=schedule.listing_id,
            schedule=schedule,
            starts_at=start,
            ends_at=start + duration,
            capacity=schedule.capacity,
        )
        for start in one_group_at_a_time(
            expand_weekly(
                weekdays=schedule.weekdays,
                start_times=schedule.start_times,
                zone=zone,
                first_day=first,
                last_day=last,
            ),
            duration,
        )
    ]


@transaction.atomic
def materialize_slots(*, schedule: Schedule, today: date, horizon_days: int) -> int:
    """Create the slots a schedule is missing up to the horizon. Idempotent: existing slots
    (same listing and start) are left alone, so seats already taken are never touched."""
    minutes = schedule.listing.duration_minutes or 60
    slots = slots_for_schedule(
        schedule=schedule,
        today=today,
        horizon_days=horizon_days,
        duration=timedelta(minutes=minutes),
    )
    if not slots:
        return 0
    existing = set(
        Slot.objects.filter(
            listing_id=schedule.listing_id,
            starts_at__range=(slots[0].starts_at, slots[-1].starts_at),
        ).values_list("starts_at", flat=True)
    )
    missing = [slot for slot in slots if slot.starts_at not in existing]
    # ignore_conflicts covers a concurrent materialisation of the same schedule.
    Slot.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


# --- Schedules that hosts edit (issue 4) ---------------------------------------------------
# A host's rules, one-off dates and exceptions; every change re-materialises the schedule's slots
# up to SCHEDULE_HORIZON_DAYS in the same transaction (sync_schedule_slots), and beat does the same
# hourly for every schedule, so the horizon moves forward. Slots with seats taken are never
# removed or shrunk: a change that would need that is refused (SlotHasBookings,
# CapacityBelowSeatsTaken); the host cancels such a date through bookings.services.cancel_slot.
# A service that names a rule, an exception or a date by its id takes `listing_id`, the listing
# the caller's path names: the lookup that scopes the id to the host scopes it to that listing
# too, so one of another of the host's listings is NotFound like a missing one, in the same
# query. None (the default) finds it on any of the host's listings, for a caller whose path names
# no listing (a date's roster page, /host/slots/<id>/roster/).

ExceptionKey = tuple[date, time | None]


@dataclass(frozen=True)
class SyncResult:
    created: int
    removed: int
    kept_booked: int


def desired_starts(
    *,
    schedule: Schedule,
    exceptions: Mapping[ExceptionKey, ScheduleException],
    zone: ZoneInfo,
    first_day: date,
    last_day: date,
) -> Iterator[datetime]:
    """The instants a schedule should have slots at between two local dates (inclusive), with
    its exceptions applied: cancelled occurrences dropped, moved ones at their new time. A
    cancelled day wins over a start of it moved before. Gaps and repeated hours are handled as in
    `local_instant`; starts closer than a group's duration are not (see one_group_at_a_time)."""
    first = max(first_day, schedule.valid_from)
    last = last_day if schedule.valid_until is None else min(last_day, schedule.valid_until)
    weekdays = set(schedule.weekdays)
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            for at in sorted(schedule.start_times):
                change = exceptions.get((day, None)) or exceptions.get((day, at))
                if change is not None and change.action == ScheduleException.Action.CANCEL:
                    continue
                start = change.new_time if change is not None and change.new_time else at
                instant = local_instant(day, start, zone)
                if instant is not None:
                    yield instant
        day += timedelta(days=1)


def sync_schedule_slots(
    *, schedule: Schedule, now: datetime, horizon_days: int, strict: bool = True
) -> SyncResult:
    """Make the schedule's future slots match its rule and exceptions from the listing's local
    today to `horizon_days` ahead (a one-off date's day, however far ahead): create the missing
    ones, delete the ones no longer wanted, keep end times in step with the listing's duration.
    Idempotent.

    A slot no longer wanted that has seats taken is never deleted: with `strict` (a host's
    change) the whole change is refused with SlotHasBookings; otherwise (the periodic run) it is
    kept and counted. One with no seats taken goes (`_retire`). A wanted start whose slot was
    retired that way comes back as that slot, reopened. Cancelled slots are left as they are.
    Call inside a transaction."""
    listing = schedule.listing
    zone = ZoneInfo(listing.time_zone)
    today = now.astimezone(zone).date()
    duration = timedelta(minutes=listing.duration_minutes or 60)
    last_day = today + timedelta(days=horizon_days)
    if schedule.kind == Schedule.Kind.ONCE:
        # The horizon bounds the expansion of open-ended weekly rules; a one-off date is a
        # single day, and a host who adds it, however far ahead, expects it bookable at once.
        last_day = max(last_day, schedule.valid_from)
    starts = desired_starts(
        schedule=schedule,
        exceptions={(e.day, e.start_time): e for e in schedule.exceptions.all()},
        zone=zone,
        first_day=today,
        last_day=last_day,
    )
    wanted = {start for start in one_group_at_a_time(starts, duration) if start >= now}
    existing = {
        slot.starts_at: slot
        for slot in Slot.objects.select_for_update().filter(schedule=schedule, starts_at__gte=now)
    }
    unwanted = [slot for start, slot in existing.items() if start not in wanted]
    booked = [slot for slot in unwanted if slot.seats_taken > 0]
    if booked and strict:
        raise SlotHasBookings(
            _("Guests have booked %(when)s; cancel those bookings first.")
            % {"when": ", ".join(f"{s.starts_at.astimezone(zone):%Y-%m-%d %H:%M}" for s in booked)},
            slots=booked,
        )
    removed = _retire([slot.pk for slot in unwanted if slot.seats_taken == 0])
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
        version=F("version") + 1,
        minimum_checked_at=None,
        minimum_met_at=None,
    )
    missing = [
        Slot(
            listing_id=listing.pk,
            schedule=schedule,
            starts_at=start,
            ends_at=start + duration,
            capacity=schedule.capacity,
        )
        for start in sorted(new_starts - reopened)
    ]
    # A start another schedule (or a hand-made slot) already holds is skipped, not an error.
    created = Slot.objects.bulk_create(missing, ignore_conflicts=True)
    _retime(Slot.objects.filter(schedule=schedule, starts_at__gte=now), duration=duration)
    return SyncResult(
        created=len(created) + len(reopened), removed=removed, kept_booked=len(booked)
    )


def _retime(slots: QuerySet[Slot], *, duration: timedelta) -> None:
    """End each of `slots` `duration` after its start; the guests of those booked are told, with
    the calendar event at its new end (the bookings app reads RETIMED). Call under their locks."""
    retimed = slots.exclude(ends_at=F("starts_at") + duration)
    booked = list(retimed.filter(seats_taken__gt=0).values_list("pk", flat=True))
    retimed.update(ends_at=F("starts_at") + duration)
    if booked:
        outbox.enqueue(kind=events.RETIMED, payload={"slots": booked})


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


def _retire(slot_ids: Iterable[int]) -> int:
    """Take unbooked future slots off sale (no seats taken: call under their locks); how many.
    A slot no booking ever named is deleted. One that bookings name (cancelled, lapsed or
    declined ones: a booking's slot is protected) stays as their record, cancelled and no
    longer its schedule's; a schedule that wants its start again reopens it."""
    ids = list(slot_ids)
    named = set(
        Slot.objects.filter(pk__in=ids, bookings__isnull=False).values_list("pk", flat=True)
    )
    Slot.objects.filter(pk__in=named).update(status=Slot.Status.CANCELLED, schedule=None)
    Slot.objects.filter(pk__in=set(ids) - named).delete()
    return len(ids)


def _own_listing_locked(*, host: HostProfile, listing_id: int) -> Listing:
    ensure_active(host)
    listing = (
        Listing.objects.select_for_update(no_key=True)
        .filter(pk=listing_id, host=host)
        .exclude(status=Listing.Status.ARCHIVED)
        .first()
    )
    if listing is None:
        raise NotFound()
    return listing


def _own_schedule_locked(
    *, host: HostProfile, listing_id: int | None = None, schedule_id: int
) -> Schedule:
    own = Schedule.objects.filter(pk=schedule_id, listing__host=host)
    if listing_id is not None:
        own = own.filter(listing_id=listing_id)
    schedule = own.first()
    if schedule is None:
        raise NotFound()
    # Lock the listing first, then the schedule: the same order as create_schedule.
    listing = _own_listing_locked(host=host, listing_id=schedule.listing_id)
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    schedule.listing = listing
    return schedule


def _future_slots_locked(*, schedule: Schedule, now: datetime) -> QuerySet[Slot]:
    """The schedule's slots from `now` on, each row locked first (in start order, the app's lock
    order): a check of their seats then counts the seats a guest was taking meanwhile."""
    future = Slot.objects.filter(schedule=schedule, starts_at__gte=now)
    list(future.select_for_update().order_by("starts_at").values_list("pk", flat=True))
    return future


def _checked(
    *, listing: Listing, data: ScheduleData, exclude_id: int | None, now: datetime
) -> ScheduleData:
    data = data.normalised()
    rules.check_schedule(
        data=data,
        today=now.date(),
        duration_minutes=listing.duration_minutes or 60,
        min_group_size=listing.min_group_size,
        min_guests=listing.min_guests,
        siblings=Schedule.objects.filter(listing=listing).exclude(pk=exclude_id or 0),
    )
    if data.kind == Schedule.Kind.ONCE:
        # A weekly rule skips the hour clocks go forward once a year; a one-off date there would
        # make no date at all, so it is refused with the reason.
        zone = ZoneInfo(listing.time_zone)
        skipped = [t for t in data.start_times if local_instant(data.valid_from, t, zone) is None]
        if skipped:
            raise rules.InvalidSchedule(
                fields={
                    "start_times": [
                        _("%(time)s does not exist on %(day)s in %(zone)s: the clocks go forward.")
                        % {"time": f"{at:%H:%M}", "day": data.valid_from, "zone": zone.key}
                        for at in skipped
                    ]
                }
            )
    # check_schedule compares the rules' own start times; a start moved to another time of a
    # day is compared here, in real time, with the rule as it would be.
    rule = Schedule(pk=exclude_id, listing=listing, **data.values())
    _check_moved_days(listing=listing, now=now, field="start_times", rule=rule)
    return data


@transaction.atomic
def create_schedule(
    *, host: HostProfile, listing_id: int, data: ScheduleData, now: datetime
) -> Schedule:
    """Add a weekly rule or a one-off date to one of `host`'s listings and materialise it."""
    listing = _own_listing_locked(host=host, listing_id=listing_id)
    data = _checked(listing=listing, data=data, exclude_id=None, now=now)
    schedule = Schedule.objects.create(listing=listing, **data.values())
    sync_schedule_slots(schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS)
    return schedule


@transaction.atomic
def update_schedule(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    schedule_id: int,
    data: ScheduleData,
    now: datetime,
    expected_version: int | Collection[int] | None = None,
) -> Schedule:
    """Change a rule. Future slots follow it: new ones appear, unbooked ones that no longer fit
    go, and the capacity of every future slot changes, unless that would drop a booked slot
    (SlotHasBookings) or put a capacity below its seats taken (CapacityBelowSeatsTaken): seats
    a guest takes meanwhile are counted (_future_slots_locked), never written over.

    With `expected_version` (or several: an If-Match naming more than one ETag), only if the rule
    is still at it, checked under its row lock: of two editors holding the same version exactly
    one wins, the other gets ScheduleConflict with the rule as it is. Every change moves
    `version` forward."""
    schedule = _own_schedule_locked(host=host, schedule_id=schedule_id, listing_id=listing_id)
    if expected_version is not None and not version_is_current(schedule.version, expected_version):
        raise ScheduleConflict(current=schedule, expected_version=highest_version(expected_version))
    data = _checked(listing=schedule.listing, data=data, exclude_id=schedule.pk, now=now)
    future = _future_slots_locked(schedule=schedule, now=now)
    crowded = future.filter(seats_taken__gt=data.capacity).order_by("starts_at").first()
    if crowded is not None:
        raise _below_seats_taken(crowded, schedule.listing)
    for name, value in data.values().items():
        setattr(schedule, name, value)
    schedule.version += 1
    schedule.save()
    # The rule's capacity is a host's edit of each date it changes (Slot.version).
    future.filter(status=Slot.Status.OPEN).exclude(capacity=data.capacity).update(
        capacity=data.capacity, version=F("version") + 1
    )
    sync_schedule_slots(schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS)
    return schedule


@transaction.atomic
def delete_schedule(
    *, host: HostProfile, listing_id: int | None = None, schedule_id: int, now: datetime
) -> None:
    """Remove a rule and its unbooked future slots; refused while a future slot has bookings.
    Past slots stay (without their schedule) as the record of what happened."""
    schedule = _own_schedule_locked(host=host, schedule_id=schedule_id, listing_id=listing_id)
    future = _future_slots_locked(schedule=schedule, now=now)
    if future.filter(seats_taken__gt=0).exists():
        raise SlotHasBookings(_("This schedule has upcoming bookings; it cannot be removed yet."))
    _retire(future.values_list("pk", flat=True))
    schedule.delete()


@transaction.atomic
def add_schedule_exception(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    schedule_id: int,
    day: date,
    start_time: time | None,
    action: str,
    new_time: time | None,
    now: datetime,
) -> ScheduleException:
    """Cancel a day (or one start of it) or move one start to another time, and re-materialise.
    Refused if it would remove a slot that has bookings."""
    schedule = _own_schedule_locked(host=host, schedule_id=schedule_id, listing_id=listing_id)
    errors: dict[str, list[str]] = {}
    rules.check_exception(
        schedule=schedule,
        day=day,
        start_time=start_time,
        action=action,
        new_time=new_time,
        today=now.astimezone(ZoneInfo(schedule.listing.time_zone)).date(),
        fail=lambda name, message: errors.setdefault(name, []).append(message),
    )
    if ScheduleException.objects.filter(schedule=schedule, day=day, start_time=start_time).exists():
        errors.setdefault("day", []).append(_("This day already has an exception."))
    if errors:
        raise rules.InvalidException(fields=errors)
    exception = ScheduleException(
        schedule=schedule, day=day, start_time=start_time, action=action, new_time=new_time
    )
    if action == ScheduleException.Action.MOVE:
        _check_moved_start(listing=schedule.listing, exception=exception)
    exception.save()
    sync_schedule_slots(schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS)
    return exception


@transaction.atomic
def remove_schedule_exception(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    schedule_id: int | None = None,
    exception_id: int,
    now: datetime,
) -> None:
    """Undo an exception: the day runs as the rule says again. With `schedule_id` (an API path
    names the rule too) only an exception of that rule, as `listing_id` does for the listing."""
    own = ScheduleException.objects.filter(pk=exception_id, schedule__listing__host=host)
    if listing_id is not None:
        own = own.filter(schedule__listing_id=listing_id)
    if schedule_id is not None:
        own = own.filter(schedule_id=schedule_id)
    exception = own.first()
    if exception is None:
        raise NotFound()
    schedule = _own_schedule_locked(host=host, schedule_id=exception.schedule_id)
    exception.delete()
    sync_schedule_slots(schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS)


def _check_moved_start(*, listing: Listing, exception: ScheduleException) -> None:
    """ScheduleOverlap if the start `exception` moves (not saved yet) would overlap, in real
    time, another start of the listing that day: of its own schedule or another one."""
    zone = ZoneInfo(listing.time_zone)
    if exception.new_time is None:
        return  # not a move (check_exception refuses a move without one)
    moved = local_instant(exception.day, exception.new_time, zone)
    if moved is None:
        return  # in a DST gap: no slot, nothing to overlap
    minutes = listing.duration_minutes or 60
    starts = _starts_on(listing=listing, day=exception.day, extra=exception)
    for first, second in rules.overlapping_instants(starts, minutes):
        if moved in (first, second):
            message = _("%(a)s and %(b)s overlap: the listing lasts %(m)s minutes.") % {
                "a": f"{first.astimezone(zone):%H:%M}",
                "b": f"{second.astimezone(zone):%H:%M}",
                "m": minutes,
            }
            raise rules.ScheduleOverlap(message, fields={"new_time": [message]})


def _starts_on(
    *,
    listing: Listing,
    day: date,
    extra: ScheduleException | None = None,
    rule: Schedule | None = None,
    schedules: Iterable[Schedule] | None = None,
) -> list[datetime]:
    """Every instant a group of the listing starts at on its local `day`, from all its schedules
    with their exceptions, and `extra` (an exception not saved yet) as if it were; `rule` (not
    saved: a new rule, or a schedule's new values with its saved exceptions) in its place.
    `schedules`: the listing's, with their exceptions, read once by a caller asking for many
    days."""
    zone = ZoneInfo(listing.time_zone)
    starts: list[datetime] = []
    if schedules is None:
        schedules = Schedule.objects.filter(listing=listing).prefetch_related("exceptions")
    if rule is not None and rule.pk is None:
        starts += desired_starts(
            schedule=rule, exceptions={}, zone=zone, first_day=day, last_day=day
        )
    for schedule in schedules:
        exceptions = {(e.day, e.start_time): e for e in schedule.exceptions.all()}
        if extra is not None and extra.schedule_id == schedule.pk:
            exceptions[(extra.day, extra.start_time)] = extra
        starts += desired_starts(
            schedule=rule if rule is not None and rule.pk == schedule.pk else schedule,
            exceptions=exceptions,
            zone=zone,
            first_day=day,
            last_day=day,
        )
    return starts


def _check_moved_days(
    *, listing: Listing, now: datetime, field: str, rule: Schedule | None = None
) -> None:
    """ScheduleOverlap (on `field`) if on a day of the listing where a start was moved, from its
    local today on, a moved start would overlap another start in real time, with `rule` as
    _starts_on takes it (only its days are checked then: elsewhere nothing changes). Two starts
    that were not moved are the rules' business (check_schedule, check_duration; on the night
    clocks go forward the later one simply gets no slot, one_group_at_a_time)."""
    zone = ZoneInfo(listing.time_zone)
    minutes = listing.duration_minutes or 60
    moves = ScheduleException.objects.filter(
        schedule__listing=listing,
        action=ScheduleException.Action.MOVE,
        day__gte=now.astimezone(zone).date(),
    ).values_list("day", "new_time")
    moved: dict[date, set[datetime | None]] = {}
    for day, new_time in moves:
        moved.setdefault(day, set()).add(local_instant(day, new_time, zone) if new_time else None)
    if not moved:
        return
    schedules = list(Schedule.objects.filter(listing=listing).prefetch_related("exceptions"))
    for day in sorted(moved):
        if rule is not None and not rules.runs_on(rule, day):
            continue
        starts = _starts_on(listing=listing, day=day, rule=rule, schedules=schedules)
        pairs = [
            pair
            for pair in rules.overlapping_instants(starts, minutes)
            if pair[0] in moved[day] or pair[1] in moved[day]
        ]
        if pairs:
            raise _overlap(pairs[0], zone=zone, minutes=minutes, field=field)


def _overlap(
    pair: tuple[datetime, datetime], *, zone: ZoneInfo, minutes: int, field: str
) -> rules.ScheduleOverlap:
    """The refusal of two starts of a listing closer than its duration, named on `field`."""
    message = _("%(a)s and %(b)s overlap: the listing lasts %(m)s minutes.") % {
        "a": f"{pair[0].astimezone(zone):%Y-%m-%d %H:%M}",
        "b": f"{pair[1].astimezone(zone):%H:%M}",
        "m": minutes,
    }
    return rules.ScheduleOverlap(message, fields={field: [message]})


ZERO = timedelta()


def follow_listing_change(*, listing: Listing, previous_time_zone: str, now: datetime) -> None:
    """Carry a new duration or time zone of `listing` (already saved) over to its future dates:
    end times follow the duration, starts stay at their wall-clock times in the new zone, for
    the schedules' slots and for dates no rule makes (`_follow_dates_made_by_hand`) alike.
    ScheduleOverlap if the starts would overlap at the new duration (rules, a moved start and its
    day, or a date made by hand and its neighbours); SlotHasBookings if a booked date would move
    or go. Call in the transaction that edits the listing, holding its row lock (the order of
    create_schedule)."""
    schedules = list(
        Schedule.objects.select_for_update(of=("self",))
        .filter(listing=listing)
        .order_by("pk")
        .prefetch_related("exceptions")
    )
    minutes = listing.duration_minutes or 60
    zone = ZoneInfo(listing.time_zone)
    today = now.astimezone(zone).date()
    rules.check_duration(schedules=schedules, duration_minutes=minutes, today=today)
    _check_moved_days(listing=listing, now=now, field="duration_minutes")
    try:
        for schedule in schedules:
            schedule.listing = listing
            sync_schedule_slots(
                schedule=schedule, now=now, horizon_days=settings.SCHEDULE_HORIZON_DAYS
            )
    except SlotHasBookings as error:
        if listing.time_zone == previous_time_zone:
            raise
        raise _zone_move_refused(listing, previous_time_zone, error.context["slots"]) from error
    _follow_dates_made_by_hand(listing=listing, previous_time_zone=previous_time_zone, now=now)


def _zone_move_refused(
    listing: Listing, previous_time_zone: str, slots: Sequence[Slot]
) -> SlotHasBookings:
    """The refusal of a new zone that would move the booked `slots`, named in the old zone."""
    old = ZoneInfo(previous_time_zone)
    when = ", ".join(f"{slot.starts_at.astimezone(old):%Y-%m-%d %H:%M}" for slot in slots)
    message = _(
        "Guests have booked %(when)s (%(zone)s time); in the time zone of the new meeting "
        "point (%(new)s) these dates would move. Cancel those bookings first, or keep the "
        "meeting point in the same time zone."
    ) % {"when": when, "zone": previous_time_zone, "new": listing.time_zone}
    return SlotHasBookings(message, fields={"latitude": [message]}, slots=list(slots))


def _follow_dates_made_by_hand(*, listing: Listing, previous_time_zone: str, now: datetime) -> None:
    """The open dates to come that no schedule makes (staff add them in the admin) follow the
    listing as the rules' dates do (sync_schedule_slots): each keeps its wall-clock start in the
    new zone (one the new zone skips goes, as a rule's start there makes no slot) and lasts the
    new duration. A booked one gets its new end and its guests are told (RETIMED); one that the
    new zone would move is SlotHasBookings. ScheduleOverlap if one would overlap another open
    date of the listing.
    Call after the schedules' slots are synced, holding the listing's row lock."""
    dates = list(
        Slot.objects.select_for_update()
        .filter(
            listing_id=listing.pk,
            schedule__isnull=True,
            status=Slot.Status.OPEN,
            starts_at__gte=now,
        )
        .order_by("starts_at")
    )
    if not dates:
        return
    old, zone = ZoneInfo(previous_time_zone), ZoneInfo(listing.time_zone)
    duration = timedelta(minutes=listing.duration_minutes or 60)
    starts: dict[int, datetime | None] = {}
    for slot in dates:
        local = slot.starts_at.astimezone(old)
        starts[slot.pk] = local_instant(local.date(), local.time().replace(tzinfo=None), zone)
    moved = [slot for slot in dates if starts[slot.pk] != slot.starts_at]
    booked = [slot for slot in moved if slot.seats_taken > 0]
    if booked:
        raise _zone_move_refused(listing, previous_time_zone, booked)
    staying = [slot for slot in dates if starts[slot.pk] is not None]
    _check_clear_of_other_dates(
        listing=listing,
        mine={start for slot in staying if (start := starts[slot.pk]) is not None},
        leaving=[slot.pk for slot in dates],
        now=now,
    )
    _retire(slot.pk for slot in dates if starts[slot.pk] is None)
    # One at a time, the furthest first in the direction they move, so that no start is taken
    # twice on the way (slot_unique_start is checked row by row).
    shift = sum(((starts[slot.pk] or slot.starts_at) - slot.starts_at for slot in moved), ZERO)
    forward = shift > ZERO
    for slot in sorted(moved, key=lambda s: s.starts_at, reverse=forward):
        start = starts[slot.pk]
        if start is not None:
            Slot.objects.filter(pk=slot.pk).update(starts_at=start, ends_at=start + duration)
    _retime(Slot.objects.filter(pk__in=[slot.pk for slot in staying]), duration=duration)


def _check_clear_of_other_dates(
    *, listing: Listing, mine: Collection[datetime], leaving: Collection[int], now: datetime
) -> None:
    """ScheduleOverlap (on `duration_minutes`) if one of the starts `mine` (the dates' new
    starts) would be out at the same time as another open date of the listing to come (not
    counting `leaving`: the dates being moved or retired)."""
    others = Slot.objects.filter(
        listing_id=listing.pk, status=Slot.Status.OPEN, starts_at__gte=now
    ).exclude(pk__in=leaving)
    minutes = listing.duration_minutes or 60
    starts = [*mine, *others.values_list("starts_at", flat=True)]
    for pair in rules.overlapping_instants(starts, minutes):
        if pair[0] in mine or pair[1] in mine:
            raise _overlap(
                pair, zone=ZoneInfo(listing.time_zone), minutes=minutes, field="duration_minutes"
            )


def change_slot_capacity(
    *,
    host: HostProfile,
    listing_id: int | None = None,
    slot_id: int,
    capacity: int,
    expected_version: int | Collection[int] | None = None,
) -> Slot:
    """Set one slot's capacity, under the listing's row lock and then the slot's (a booking
    taking seats at the same moment is either counted here or sees the new capacity).

    With `expected_version` (or several: an If-Match naming more than one ETag), only if the
    slot is still at it: of two editors holding the same version exactly one wins, the other
    gets SlotConflict with the slot as it is. The version moves with the capacity a host sets,
    never with seats taken, so a guest booking meanwhile refuses no edit (the seats are
    checked on their own: CapacityBelowSeatsTaken)."""
    ensure_active(host)
    refusal = rules.capacity_refusal(capacity)
    if refusal is not None:
        raise rules.InvalidCapacity(fields={"capacity": [refusal]})
    own = Slot.objects.filter(pk=slot_id, listing__host=host)
    if listing_id is not None:
        own = own.filter(listing_id=listing_id)
    # The listing's row lock first (update_listing's order: listing, then its dates), so that a
    # smallest group raised at the same moment is either seen here or sees this capacity.
    smallest_group, min_guests = (
        Listing.objects.select_for_update(of=("self",), no_key=True)
        .filter(slots__in=own)
        .values_list("min_group_size", "min_guests")
        .first()
    ) or (0, 0)
    slot = own.select_for_update(of=("self",)).select_related("listing").first()
    if slot is None:
        raise NotFound()
    if not version_is_current(slot.version, expected_version):
        raise SlotConflict(current=slot)
    # Fewer seats than the smallest group, or than the minimum of guests: nobody could book the
    # date, or it would always be cancelled for too few guests (a rule's capacity too).
    refusal = rules.capacity_refusal(capacity, min_group_size=smallest_group, min_guests=min_guests)
    if refusal is not None:
        raise rules.InvalidCapacity(fields={"capacity": [refusal]})
    if slot.seats_taken > capacity:
        raise _below_seats_taken(slot, slot.listing)
    slot.capacity = capacity
    slot.version += 1
    slot.save(update_fields=["capacity", "version"])
    return slot


def materialize_schedules(*, now: datetime, horizon_days: int) -> SyncResult:
    """The periodic run: bring every live schedule's slots up to the horizon, each in its own
    transaction so that one failure does not hold back the rest. Never removes booked slots."""
    created = removed = kept = 0
    live = Schedule.objects.exclude(listing__status=Listing.Status.ARCHIVED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=(now - timedelta(days=1)).date())
    )
    for schedule_id in live.values_list("pk", flat=True).order_by("pk"):
        try:
            with transaction.atomic():
                schedule = (
                    Schedule.objects.select_for_update(of=("self",))
                    .select_related("listing")
                    .get(pk=schedule_id)
                )
                result = sync_schedule_slots(
                    schedule=schedule, now=now, horizon_days=horizon_days, strict=False
                )
        except Schedule.DoesNotExist:
            continue  # deleted meanwhile
        created, removed = created + result.created, removed + result.removed
        kept += result.kept_booked
    return SyncResult(created=created, removed=removed, kept_booked=kept)


def _below_seats_taken(slot: Slot, listing: Listing) -> CapacityBelowSeatsTaken:
    """The refusal of a capacity below the seats taken on `slot`, a date of `listing`."""
    when = f"{slot.starts_at.astimezone(ZoneInfo(listing.time_zone)):%Y-%m-%d %H:%M}"
    return CapacityBelowSeatsTaken(
        _("%(n)s seats are already taken on %(when)s: capacity cannot go below %(n)s.")
        % {"n": slot.seats_taken, "when": when},
        fields={"capacity": [_("At least %(n)s.") % {"n": slot.seats_taken}]},
    )


def smallest_capacity(*, listing: Listing, now: datetime) -> int | None:
    """The fewest seats any rule of the listing that still runs, or any of its open dates to
    come, offers (None without either): a smallest group above it could book none of those
    dates. A rule that ended (a one-off date gone by) makes no more dates."""
    today = now.astimezone(ZoneInfo(listing.time_zone)).date()
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
