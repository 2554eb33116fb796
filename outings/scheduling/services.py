"""Writes to schedules and slots.

Wall-clock rules are expanded in the listing's IANA zone. A local time that does not exist (the
hour skipped when clocks go forward) produces no slot; a local time that exists twice (the hour
repeated when clocks go back) is resolved to its *first* occurrence (fold=0, the earlier instant).
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from outings.scheduling.models import Schedule, Slot


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
        for start in expand_weekly(
            weekdays=schedule.weekdays,
            start_times=schedule.start_times,
            zone=zone,
            first_day=first,
            last_day=last,
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
