"""The rules a schedule must keep. Pure checks over values (no writes): the schedule services
call them under their locks.

Overlap: one listing runs one group at a time, so no two of its slots may overlap in time. Two
starts on the same local day overlap when they are closer than the listing's duration; two rules
overlap when on a day both run any of the starts each keeps that day overlap (an exception's
cancelled or moved-away start is not kept; the time it moved to is checked in real time).
A start is compared with the starts of the days after too, its own rule's (overlapping_days)
and another rule's (_rules_overlap): a listing lasts up to a week, or runs past midnight.
These checks measure
the wall clock; on the night clocks go forward two starts can be closer in real time, and the
slots are made one group at a time all the same, within a rule and across the listing's rules
(services.one_group_at_a_time, services.sync._clear_of_other_groups).
"""

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from outings.common.errors import DomainError, StaleVersion
from outings.scheduling.models import Schedule, ScheduleException, Slot

MAX_START_TIMES = 12
MAX_CAPACITY = 1000
MAX_RULE_DAYS = 3 * 366  # a rule spans at most three years from its first day or today
MAX_DAYS_AHEAD = 10 * 366  # and starts at most ten years ahead


class InvalidSchedule(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The schedule is not valid.")


class InvalidCapacity(InvalidSchedule):
    """A date's number of places refused: the schedule itself is not what is wrong."""

    message = gettext_noop("This date's number of places is not valid.")


class InvalidException(InvalidSchedule):
    """A day cancelled or moved (a schedule exception) refused: the rule itself is fine."""

    message = gettext_noop("This day cannot be cancelled or moved like this.")


class ScheduleOverlap(DomainError):
    code = "schedule_overlap"
    status_code = 409
    message = gettext_noop("This schedule overlaps another schedule of the listing.")


class SlotHasBookings(DomainError):
    code = "slot_has_bookings"
    status_code = 409
    message = gettext_noop("A slot this change would remove already has bookings.")


class SlotWouldPass(DomainError):
    """A new time zone that would put a date to come at a start already past: keeping its
    wall-clock start, it would have begun (or be retired) before anyone could book it."""

    code = "slot_would_pass"
    status_code = 409
    message = gettext_noop("A date this change would move is already past in the new time zone.")


class ScheduleConflict(StaleVersion):
    """An edit based on an old version. `current` is the schedule as it is now."""

    message = gettext_noop("Someone changed this schedule since you opened it.")

    def __init__(self, *, current: Schedule, expected_version: int) -> None:
        super().__init__(
            _("The schedule is at version %(current)s; your edit was based on version %(yours)s.")
            % {"current": current.version, "yours": expected_version},
        )
        self.current = current


class SlotConflict(StaleVersion):
    """A capacity edit based on an old version of the date. `current` is the slot as it is now."""

    message = gettext_noop("Someone changed this date's places since you opened it.")

    def __init__(self, *, current: Slot) -> None:
        super().__init__(
            _("This date's places were changed to %(capacity)s since you opened it.")
            % {"capacity": current.capacity}
        )
        self.current = current


class CapacityBelowSeatsTaken(DomainError):
    code = "capacity_below_seats_taken"
    status_code = 409
    message = gettext_noop("Capacity cannot go below the seats already taken.")


class SlotCancelled(DomainError):
    """A change to the places of a cancelled date: its guests were told and refunded and its
    waiting list closed, and nobody can book it again; the code a second cancellation gets."""

    code = "invalid_state"
    status_code = 409
    message = gettext_noop("This date is cancelled: its places cannot change.")


class SlotStarted(DomainError):
    """A change to the places of a date that has begun: nobody can book it any more (a hold
    needs `starts_at > now`), so a new number only rewrites the record of a date under way or
    gone by; the code a cancellation of a begun date gets."""

    code = "invalid_state"
    status_code = 409
    message = gettext_noop("This date has started: its places cannot change.")


@dataclass(frozen=True, kw_only=True)
class ScheduleData:
    """A weekly rule, or (kind "once") one date: valid_from with its start times."""

    kind: str = Schedule.Kind.WEEKLY
    weekdays: Sequence[int] = ()
    start_times: Sequence[time] = ()
    valid_from: date
    valid_until: date | None = None
    capacity: int

    def values(self) -> dict[str, Any]:
        """The fields of a Schedule it sets."""
        return {
            "kind": self.kind,
            "weekdays": list(self.weekdays),
            "start_times": list(self.start_times),
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "capacity": self.capacity,
        }

    def normalised(self) -> "ScheduleData":
        """A one-off date as the one-day weekly rule it is stored as; times sorted."""
        times = sorted(set(self.start_times))
        if self.kind == Schedule.Kind.ONCE:
            return ScheduleData(
                kind=self.kind,
                weekdays=[self.valid_from.weekday()],
                start_times=times,
                valid_from=self.valid_from,
                valid_until=self.valid_from,
                capacity=self.capacity,
            )
        return ScheduleData(
            kind=self.kind,
            weekdays=sorted(set(self.weekdays)),
            start_times=times,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            capacity=self.capacity,
        )


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def overlapping_times(times: Iterable[time], others: Iterable[time], minutes: int) -> bool:
    return any(abs(_minutes(a) - _minutes(b)) < minutes for a in times for b in others)


def check_schedule(
    *,
    data: ScheduleData,
    today: date,
    duration_minutes: int,
    min_group_size: int,
    siblings: Iterable[Schedule],
    min_guests: int = 0,
    exceptions: Iterable[ScheduleException] = (),
) -> None:
    """InvalidSchedule naming each field at fault, or ScheduleOverlap with another rule of the
    listing (`siblings`: its other schedules, with their exceptions). `data` must be
    normalised; `exceptions`: those of the rule it changes, if any. A capacity below the
    listing's smallest group or its minimum of guests per date (`min_guests`, 0: none) makes
    dates nobody can book, or that are always cancelled for too few guests."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if data.kind not in Schedule.Kind.values:
        fail("kind", _("Choose weekly or once."))
    if not data.weekdays or not set(data.weekdays) <= set(range(7)):
        fail("weekdays", _("Choose at least one day of the week (0 is Monday)."))
    if not 1 <= len(data.start_times) <= MAX_START_TIMES:
        fail("start_times", _("Give 1 to %(n)s start times.") % {"n": MAX_START_TIMES})
    elif any(t.second or t.microsecond for t in data.start_times):
        fail("start_times", _("Start times are in whole minutes."))
    elif overlapping_pairs(data.start_times, duration_minutes):
        first, second = overlapping_pairs(data.start_times, duration_minutes)[0]
        fail(
            "start_times",
            _("%(a)s and %(b)s overlap: the listing lasts %(m)s minutes.")
            % {"a": f"{first:%H:%M}", "b": f"{second:%H:%M}", "m": duration_minutes},
        )
    elif data.weekdays and set(data.weekdays) <= set(range(7)):
        refusal = _days_overlap_refusal(data, minutes=duration_minutes, today=today)
        if refusal is not None:
            fail("start_times", refusal)
    if (data.valid_from - today).days > MAX_DAYS_AHEAD:
        fail("valid_from", _("A schedule may start at most ten years ahead."))
    elif data.valid_until is not None and data.valid_until < data.valid_from:
        fail("valid_until", _("The end date is before the start date."))
    elif (
        data.valid_until is not None
        # What the rule makes from now on: a rule that has run for years may still be given an
        # end (measured from its first day, it never could once it had run three).
        and (data.valid_until - max(data.valid_from, today)).days > MAX_RULE_DAYS
    ):
        fail("valid_until", _("A schedule may span at most three years."))
    refusal = capacity_refusal(data.capacity, min_group_size=min_group_size, min_guests=min_guests)
    if refusal is not None:
        fail("capacity", refusal)
    if errors:
        raise InvalidSchedule(fields=errors)
    exceptions = list(exceptions)
    for other in siblings:
        if _rules_overlap(data, other, duration_minutes, exceptions=exceptions):
            raise ScheduleOverlap(
                _("This schedule overlaps another one of the listing (#%(id)s).")
                % {"id": other.pk},
                fields={"start_times": [_("Overlaps schedule #%(id)s.") % {"id": other.pk}]},
            )


def capacity_refusal(capacity: int, *, min_group_size: int = 0, min_guests: int = 0) -> str | None:
    """Why a rule's or a date's number of places is refused, or None: out of range, or below
    the listing's smallest group or its minimum of guests per date (0: none)."""
    if isinstance(capacity, bool) or not 1 <= capacity <= MAX_CAPACITY:
        return _("A whole number from 1 to %(n)s.") % {"n": MAX_CAPACITY}
    if capacity < min_group_size:
        return _("At least the smallest group size (%(n)s).") % {"n": min_group_size}
    if capacity < min_guests:
        return _("At least the minimum of guests per date (%(n)s).") % {"n": min_guests}
    return None


def overlapping_pairs(times: Sequence[time], minutes: int) -> list[tuple[time, time]]:
    ordered = sorted(times)
    return [(a, b) for a, b in itertools.pairwise(ordered) if _minutes(b) - _minutes(a) < minutes]


def overlapping_instants(
    starts: Iterable[datetime], minutes: int
) -> list[tuple[datetime, datetime]]:
    """The pairs of neighbouring starts closer than `minutes` in real time (a repeated start is
    a pair too)."""
    ordered = sorted(starts)
    return [(a, b) for a, b in itertools.pairwise(ordered) if b - a < timedelta(minutes=minutes)]


def overlapping_days(
    data: ScheduleData, *, minutes: int, today: date
) -> tuple[tuple[int, time], tuple[int, time]] | None:
    """The first pair of a rule's starts on different days, as (weekday, time), whose groups
    would be out together: the first's still out, on the wall clock, when the second begins on
    a day after (a listing may last up to a week, or run past midnight); None if there is none.
    The closest pair of two days is the later day's first start after the earlier day's last;
    a pair counts only if both its days fall in the rule's range from `today` on (the rule makes
    no dates before). Two starts of one day are overlapping_pairs'."""
    times = sorted(data.start_times)
    first_day = max(data.valid_from, today)
    for offset in range(1, 7):
        if offset * 24 * 60 + _minutes(times[0]) - _minutes(times[-1]) >= minutes:
            break  # the days further apart are further apart still
        for weekday in sorted(set(data.weekdays)):
            later = (weekday + offset) % 7
            if later not in data.weekdays:
                continue
            day = first_day + timedelta(days=(weekday - first_day.weekday()) % 7)
            if data.valid_until is None or day + timedelta(days=offset) <= data.valid_until:
                return (weekday, times[-1]), (later, times[0])
    return None


def _days_overlap_refusal(data: ScheduleData, *, minutes: int, today: date) -> str | None:
    """Why the rule's starts of different days overlap (overlapping_days), or None."""
    pair = overlapping_days(data, minutes=minutes, today=today)
    if pair is None:
        return None
    (day_a, at_a), (day_b, at_b) = pair
    return _("%(a)s and %(b)s overlap: the listing lasts %(m)s minutes.") % {
        "a": f"{WEEKDAYS[day_a]} {at_a:%H:%M}",
        "b": f"{WEEKDAYS[day_b]} {at_b:%H:%M}",
        "m": minutes,
    }


def check_duration(*, schedules: Sequence[Schedule], duration_minutes: int, today: date) -> None:
    """ScheduleOverlap if the rules of a listing (`schedules`, those still running from `today`)
    would overlap at a new duration: two starts of one rule, or two rules on a shared day,
    measured as check_schedule measures them."""
    running = [s for s in schedules if s.valid_until is None or s.valid_until >= today]
    for index, schedule in enumerate(running):
        pairs = overlapping_pairs(schedule.start_times, duration_minutes)
        if pairs:
            first, second = pairs[0]
            message = _("%(a)s and %(b)s overlap: the listing lasts %(m)s minutes.") % {
                "a": f"{first:%H:%M}",
                "b": f"{second:%H:%M}",
                "m": duration_minutes,
            }
            raise ScheduleOverlap(message, fields={"duration_minutes": [message]})
        data = ScheduleData(
            weekdays=schedule.weekdays,
            start_times=schedule.start_times,
            valid_from=schedule.valid_from,
            valid_until=schedule.valid_until,
            capacity=schedule.capacity,
        )
        refusal = _days_overlap_refusal(data, minutes=duration_minutes, today=today)
        if refusal is not None:
            raise ScheduleOverlap(refusal, fields={"duration_minutes": [refusal]})
        for other in running[:index]:
            if _rules_overlap(data, other, duration_minutes, exceptions=schedule.exceptions.all()):
                message = _(
                    "Schedules #%(a)s and #%(b)s would overlap: the listing would last %(m)s "
                    "minutes."
                ) % {"a": other.pk, "b": schedule.pk, "m": duration_minutes}
                raise ScheduleOverlap(message, fields={"duration_minutes": [message]})


def _rules_overlap(
    data: ScheduleData,
    other: Schedule,
    minutes: int,
    *,
    exceptions: Iterable[ScheduleException] = (),
) -> bool:
    """Whether two rules of a listing overlap (`exceptions`: those of the rule `data` is, if
    saved): on a day both run, as each runs that day, or a group of one still out on a later
    day when the other starts (a listing lasts up to a week, or runs past midnight; until
    session 25 only the same day counted, and the later start silently got no date).
    A start cancelled or moved away leaves its place free (the time a start moved to is
    compared in real time by services.check_moved_days), so only a day where either rule has an
    exception can differ from their own start times: those days are compared one by one, and
    any other day the two share means their own start times meet. The work grows with the
    exceptions, not the range (a rule of three years is checked as fast as a week)."""
    mine, theirs = list(exceptions), list(other.exceptions.all())
    return _rules_meet(data, mine, other, theirs, offset=0, minutes=minutes) or any(
        _rules_meet(data, mine, other, theirs, offset=offset, minutes=minutes)
        or _rules_meet(other, theirs, data, mine, offset=offset, minutes=minutes)
        for offset in range(1, 8)
    )


def _starts_meet(earlier: Iterable[time], later: Iterable[time], offset: int, minutes: int) -> bool:
    """Whether a group starting at one of `earlier` is still out, on the wall clock, when one
    starts at one of `later` `offset` days after (0: the same day, either first)."""
    if offset == 0:
        return overlapping_times(earlier, later, minutes)
    return any(
        offset * 24 * 60 + _minutes(b) - _minutes(a) < minutes for a in earlier for b in later
    )


def _rules_meet(
    one: ScheduleData | Schedule,
    one_exceptions: Sequence[ScheduleException],
    two: ScheduleData | Schedule,
    two_exceptions: Sequence[ScheduleException],
    *,
    offset: int,
    minutes: int,
) -> bool:
    """Whether, on a day `one` runs with `two` running `offset` days later, their starts meet
    (_starts_meet), as each runs on its day with its exceptions."""
    if not _starts_meet(one.start_times, two.start_times, offset, minutes):
        return False  # an exception only takes starts away
    # The days of `one` (as ordinals: a rule may begin on the calendar's first day).
    first = max(one.valid_from.toordinal(), two.valid_from.toordinal() - offset)
    ends = [one.valid_until.toordinal()] if one.valid_until is not None else []
    if two.valid_until is not None:
        ends.append(two.valid_until.toordinal() - offset)
    last = min(ends) if ends else None
    if (last is not None and last < first) or first + offset > date.max.toordinal():
        return False
    weekdays = {day for day in one.weekdays if (day + offset) % 7 in two.weekdays}
    if not weekdays:
        return False  # they never run `offset` days apart
    shift = timedelta(days=offset)
    begin, end = date.fromordinal(first), None if last is None else date.fromordinal(last)
    mine = _by_day(one_exceptions, weekdays=weekdays, first=begin, last=end)
    theirs = {
        day - shift: changes
        for day, changes in _by_day(
            two_exceptions,
            weekdays={(day + offset) % 7 for day in weekdays},
            first=begin + shift,
            last=None if end is None else end + shift,
        ).items()
    }
    changed_days = mine.keys() | theirs.keys()
    if end is None or _days_on(weekdays, begin, end) > len(changed_days):
        return True  # a day neither rule changes: their own start times meet there
    return any(
        _starts_meet(
            starts_kept(one.start_times, mine.get(day, ()), day),
            starts_kept(two.start_times, theirs.get(day, ()), day + shift),
            offset,
            minutes,
        )
        for day in sorted(changed_days)
    )


def _by_day(
    exceptions: Iterable[ScheduleException], *, weekdays: set[int], first: date, last: date | None
) -> dict[date, list[ScheduleException]]:
    """`exceptions` by their day, those on one of `weekdays` from `first` to `last` (None: on)."""
    by_day: dict[date, list[ScheduleException]] = {}
    for exception in exceptions:
        day = exception.day
        if first <= day and (last is None or day <= last) and day.weekday() in weekdays:
            by_day.setdefault(day, []).append(exception)
    return by_day


def _days_on(weekdays: set[int], first: date, last: date) -> int:
    """How many days from `first` to `last` (both included) fall on one of `weekdays`."""
    weeks, rest = divmod((last - first).days + 1, 7)
    return sum(weeks + ((day - first.weekday()) % 7 < rest) for day in weekdays)


def starts_kept(
    start_times: Iterable[time], exceptions: Iterable[ScheduleException], day: date
) -> list[time]:
    """The start times of a rule that stay in their place on `day` with its `exceptions`:
    not cancelled (the whole day, or that start), nor moved to another time."""
    changed = {e.start_time for e in exceptions if e.day == day}
    if None in changed:
        return []  # the whole day cancelled (a move always names its start)
    return [at for at in start_times if at not in changed]


def runs_on(schedule: Schedule, day: date) -> bool:
    """Whether the rule has starts on `day` (before its exceptions)."""
    in_range = schedule.valid_from <= day and (
        schedule.valid_until is None or day <= schedule.valid_until
    )
    return in_range and day.weekday() in schedule.weekdays


def check_exception(
    *,
    schedule: Schedule,
    day: date,
    start_time: time | None,
    action: str,
    new_time: time | None,
    today: date,
    fail: Callable[[str, str], None],
) -> None:
    """Report through `fail` what is wrong with an exception to `schedule` (`today`: the
    listing's local date)."""
    if not 0 <= (day - today).days <= MAX_DAYS_AHEAD:
        # An open-ended rule runs on any day; one near the end of the calendar has no instant.
        fail("day", _("Choose a day from today to ten years ahead."))
    elif not runs_on(schedule, day):
        fail("day", _("The schedule does not run on this day."))
    if start_time is not None and start_time not in schedule.start_times:
        fail("start_time", _("The schedule has no start at this time."))
    if action not in ScheduleException.Action.values:
        fail("action", _("Choose cancel or move."))
    elif action == ScheduleException.Action.MOVE:
        if start_time is None:
            fail("start_time", _("Say which start moves."))
        if new_time is None:
            fail("new_time", _("Give the new start time."))
        elif new_time.second or new_time.microsecond:
            fail("new_time", _("Start times are in whole minutes."))
    elif new_time is not None:
        fail("new_time", _("Only a moved start has a new time."))
