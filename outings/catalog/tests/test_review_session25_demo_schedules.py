"""Review (session 25): the demo catalogue's generated rules run one group at a time.

A National Park activity without a schedule in the data gets generated days and start times
(importers.generate). For the parks' activities of one to three days they were drawn as for a
tour of two hours: two starts a day, or days in a row, so that a group was still out when the
next one started. 50 of the parks' generated rules were such (two starts of one day, or days in
a row, closer than the activity lasts), rules a host could not make
(scheduling.rules.check_schedule refuses them) and so could not edit: changing the listing's
duration or rules was refused until the rule was changed, and the sync made their dates one group
at a time all the same. The generated days and times are now thinned for the listing's duration
(generate.one_group_at_a_time); a short activity's come back as drawn."""

from datetime import date, time

from django.conf import settings

from outings.catalog.importers import generate, nps
from outings.catalog.importers.core import SkipRow
from outings.catalog.importers.reader import read_rows
from outings.scheduling import rules

MONDAY = date(2026, 12, 7)


def _runs_one_group_at_a_time(
    weekdays: tuple[int, ...], times: tuple[time, ...], minutes: int
) -> bool:
    rule = rules.ScheduleData(weekdays=weekdays, start_times=times, valid_from=MONDAY, capacity=1)
    return (
        not rules.overlapping_pairs(times, minutes)
        and rules.overlapping_days(rule, minutes=minutes, today=MONDAY) is None
    )


def test_two_starts_closer_than_a_day_long_activity_keep_the_first() -> None:
    # glca's: Friday and Saturday at 13:00 and 14:00, for a day.
    assert generate.one_group_at_a_time((4, 5), (time(13), time(14)), minutes=1440) == (
        (4, 5),
        (time(13),),
    )


def test_days_a_three_day_activity_is_still_out_on_are_left_out() -> None:
    # mora's: Monday, Wednesday, Thursday and Sunday at 13:00, for three days. Wednesday's
    # group is out on Thursday, Sunday's on Monday; Wednesday and Sunday are four days apart.
    assert generate.one_group_at_a_time((0, 2, 3, 6), (time(13),), minutes=3 * 1440) == (
        (2, 6),
        (time(13),),
    )


def test_a_short_activity_keeps_what_was_drawn() -> None:
    # The control: a two-hour tour on four days at 09:00 and 19:00.
    drawn = ((0, 1, 3, 6), (time(9), time(19)))

    assert generate.one_group_at_a_time(*drawn, minutes=120) == drawn


def test_every_generated_rule_of_the_national_parks_runs_one_group_at_a_time() -> None:
    """The real file, as `import_listings` parses it: 50 rules broke this before."""
    parser = nps.NpsParser()
    path = settings.BASE_DIR / "data" / nps.FILENAME
    parsed = broken = 0
    for raw in read_rows(path, required=frozenset(nps.COLUMNS)):
        if raw.fields is None:
            continue
        try:
            row = parser.parse(raw.fields)
        except SkipRow:
            continue
        assert row.schedule is not None
        assert row.schedule.weekdays
        assert row.schedule.start_times
        assert row.duration_minutes is not None
        parsed += 1
        if not _runs_one_group_at_a_time(
            tuple(row.schedule.weekdays), tuple(row.schedule.start_times), row.duration_minutes
        ):
            broken += 1

    assert parsed > 1000
    assert broken == 0
