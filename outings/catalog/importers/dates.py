"""Source dates: parsing them in the listing's zone, and shifting them into the future.

The data runs from 2017 to 2026. A live demo needs dates ahead of today, so each schedule is moved
by a whole number of weeks: the weekday is kept (7-day steps), and so is the local time of day
(schedules are wall-clock rules, expanded in the listing's zone after the move, so a daylight
saving change between the source date and the new one does not move the hour).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outings.catalog.importers.core import ScheduleSpec, SkipRow

# Madrid's agenda marks "all day" and "until the end of the day" with these times.
START_OF_DAY = time(0, 0)
END_OF_DAY = time(23, 59)
# A start and end further apart than this describe a window, not one sitting.
LONGEST_SITTING = timedelta(hours=12)

SPANISH_DAYS = {"L": 0, "M": 1, "X": 2, "J": 3, "V": 4, "S": 5, "D": 6}
ENGLISH_DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


def parse_local(text: str, zone: ZoneInfo, column: str) -> datetime | None:
    """An ISO date-time as a local time in `zone`. A value with an offset ("Z", "-04:00") is
    converted; a naive one is taken as already local. Empty means unknown."""
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise SkipRow("malformed date", f"{column} {text!r}") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def parse_clock(text: str) -> time | None:
    """ "18:30" as a time; empty means unknown."""
    text = text.strip()
    if not text:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise SkipRow("malformed time", repr(text)) from None


def parse_weekdays(text: str) -> tuple[int, ...]:
    """ "L,M,X" (Spanish initials) or "MO,TU,WE" (iCalendar) as weekday numbers, Monday = 0."""
    days: set[int] = set()
    for token in text.upper().replace(";", ",").split(","):
        token = token.strip()
        if not token:
            continue
        day = ENGLISH_DAYS.get(token, SPANISH_DAYS.get(token))
        if day is None:
            raise SkipRow("malformed recurrence days", repr(text))
        days.add(day)
    return tuple(sorted(days))


def sitting_minutes(start: datetime, end: datetime | None) -> int | None:
    """The length of one sitting when start and end describe one (0 < length < 12 h), in real
    time: across a daylight-saving change it is not the difference of the wall clocks."""
    if end is None or end.time() == END_OF_DAY:
        return None
    # Python subtracts two datetimes of one tzinfo by their wall clocks, ignoring the offsets.
    length = end.astimezone(UTC) - start.astimezone(UTC)
    if timedelta(0) < length < LONGEST_SITTING:
        return int(length.total_seconds() // 60)
    return None


def shifted_window(
    spec: ScheduleSpec, *, today: date, extra_weeks: int
) -> tuple[date, date | None]:
    """The schedule's (valid_from, valid_until) after the move.

    A schedule with source dates moves by the smallest whole number of weeks that puts its first
    occurrence on or after `today + extra_weeks` weeks; it keeps the length of its window. A
    fully generated schedule starts today."""
    if spec.first_date is None:
        return today, None
    target = today + timedelta(weeks=extra_weeks)
    weeks = -((spec.first_date - target).days // 7)  # ceil((target - first) / 7 days)
    shift = timedelta(weeks=weeks)
    valid_from = spec.first_date + shift
    valid_until = spec.last_date + shift if spec.last_date is not None else None
    return valid_from, valid_until
