"""From a wall-clock rule to instants in the listing's zone (`local_instant`: a time in a DST
gap is none, a repeated one its first occurrence), with a schedule's exceptions applied
(`desired_starts`), one group at a time (`one_group_at_a_time`); and the unsaved slots of a
schedule alone (`slots_for_schedule`, which the importer adds in bulk)."""

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outings.common.zones import zone_or_utc
from outings.scheduling.models import Schedule, ScheduleException, Slot


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of wall-clock `day at` in `zone`, or None if that time does not exist."""
    local = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # in a DST gap: the wall clock skips this time
    return instant


ExceptionKey = tuple[date, time | None]


def exceptions_of(schedule: Schedule) -> dict[ExceptionKey, ScheduleException]:
    """The schedule's exceptions as desired_starts takes them (a new dict: add to it freely)."""
    return {(e.day, e.start_time): e for e in schedule.exceptions.all()}


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
    weekdays, times = set(schedule.weekdays), sorted(schedule.start_times)
    day = first
    while day <= last:
        if day.weekday() in weekdays:
            for at in times:
                change = exceptions.get((day, None)) or exceptions.get((day, at))
                if change is not None and change.action == ScheduleException.Action.CANCEL:
                    continue
                start = change.new_time if change is not None and change.new_time else at
                instant = local_instant(day, start, zone)
                if instant is not None:
                    yield instant
        day += timedelta(days=1)


def one_group_at_a_time(
    starts: Iterable[datetime], duration: timedelta, *, free_from: datetime | None = None
) -> Iterator[datetime]:
    """The starts in order, without any that would begin before the group kept before it ends
    (or before `free_from`: a group of an earlier day, out still, ends). Rules are checked on
    the wall clock; this keeps them true in real time, where on the night clocks go forward
    01:30 and 03:00 are 30 minutes apart, and across days for a listing lasting more than one."""
    for start in sorted(starts):
        if free_from is None or start >= free_from:
            free_from = start + duration
            yield start


def slots_for_schedule(
    *, schedule: Schedule, today: date, horizon_days: int, duration: timedelta
) -> list[Slot]:
    """Unsaved slots a schedule should have from today to the horizon, with its exceptions
    applied (prefetch `exceptions` for many schedules)."""
    starts = desired_starts(
        schedule=schedule,
        exceptions=exceptions_of(schedule),
        zone=zone_or_utc(schedule.listing.time_zone),
        first_day=today,
        last_day=today + timedelta(days=horizon_days),
    )
    return [new_slot(schedule, start, duration) for start in one_group_at_a_time(starts, duration)]


def new_slot(schedule: Schedule, start: datetime, duration: timedelta) -> Slot:
    """An unsaved slot of `schedule` at `start`, with the rule's capacity."""
    return Slot(
        listing_id=schedule.listing_id,
        schedule=schedule,
        starts_at=start,
        ends_at=start + duration,
        capacity=schedule.capacity,
    )
