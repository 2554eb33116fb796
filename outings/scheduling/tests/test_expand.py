from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from outings.scheduling.models import Schedule
from outings.scheduling.services import desired_starts, local_instant


def expand_weekly(
    *,
    weekdays: Iterable[int],
    start_times: Iterable[time],
    zone: ZoneInfo,
    first_day: date,
    last_day: date,
) -> list[datetime]:
    """The instants a weekly rule without exceptions has between two local dates, as the
    services expand every rule (desired_starts)."""
    rule = Schedule(
        weekdays=list(weekdays),
        start_times=list(start_times),
        valid_from=first_day,
        valid_until=last_day,
    )
    return list(
        desired_starts(
            schedule=rule, exceptions={}, zone=zone, first_day=first_day, last_day=last_day
        )
    )


# (zone, the Sunday clocks go forward, the Sunday clocks go back) in 2026.
TRANSITIONS = [
    ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
    ("Europe/Berlin", date(2026, 3, 29), date(2026, 10, 25)),
    ("Australia/Sydney", date(2026, 10, 4), date(2026, 4, 5)),
]


@pytest.mark.parametrize(("zone_name", "spring", "autumn"), TRANSITIONS)
def test_a_nine_oclock_rule_stays_at_nine_across_both_transitions(zone_name, spring, autumn):
    zone = ZoneInfo(zone_name)
    for change in (spring, autumn):
        instants = list(
            expand_weekly(
                weekdays=[5, 6, 0],
                start_times=[time(9, 0)],
                zone=zone,
                first_day=date.fromordinal(change.toordinal() - 1),
                last_day=date.fromordinal(change.toordinal() + 1),
            )
        )

        local = [i.astimezone(zone) for i in instants]
        assert [(d.date(), d.hour, d.minute) for d in local] == [
            (date.fromordinal(change.toordinal() + k), 9, 0) for k in (-1, 0, 1)
        ]
        offsets = {i.astimezone(zone).utcoffset() for i in instants}
        assert len(offsets) == 2  # the UTC instant moves by the hour the clocks moved


@pytest.mark.parametrize(
    ("zone_name", "day", "gap_time"),
    [
        ("America/New_York", date(2026, 3, 8), time(2, 30)),
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30)),
        ("Australia/Sydney", date(2026, 10, 4), time(2, 30)),
    ],
)
def test_a_local_time_that_does_not_exist_produces_no_slot(zone_name, day, gap_time):
    assert local_instant(day, gap_time, ZoneInfo(zone_name)) is None


@pytest.mark.parametrize(
    ("zone_name", "day", "repeated", "first_utc"),
    [
        (
            "America/New_York",
            date(2026, 11, 1),
            time(1, 30),
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        ),
        (
            "Europe/Berlin",
            date(2026, 10, 25),
            time(2, 30),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
        (
            "Australia/Sydney",
            date(2026, 4, 5),
            time(2, 30),
            datetime(2026, 4, 4, 15, 30, tzinfo=UTC),
        ),
    ],
)
def test_an_ambiguous_local_time_resolves_to_its_first_occurrence(
    zone_name, day, repeated, first_utc
):
    assert local_instant(day, repeated, ZoneInfo(zone_name)) == first_utc


def test_a_listing_zone_other_than_the_servers_is_honoured(settings):
    settings.TIME_ZONE = "UTC"
    [instant] = expand_weekly(
        weekdays=[0],
        start_times=[time(18, 0)],
        zone=ZoneInfo("Asia/Tokyo"),
        first_day=date(2026, 11, 23),
        last_day=date(2026, 11, 23),
    )

    assert instant == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_rules_expand_only_on_their_weekdays_in_order():
    instants = list(
        expand_weekly(
            weekdays=[1, 3],
            start_times=[time(14, 0), time(10, 0)],
            zone=ZoneInfo("Europe/Madrid"),
            first_day=date(2026, 11, 23),
            last_day=date(2026, 11, 29),
        )
    )

    local = [i.astimezone(ZoneInfo("Europe/Madrid")) for i in instants]
    assert [(d.strftime("%a"), d.hour) for d in local] == [
        ("Tue", 10),
        ("Tue", 14),
        ("Thu", 10),
        ("Thu", 14),
    ]
