"""Review (session 25): a weekly rule's dates across both clock changes of the year, in zones
the tests had not covered: Madrid, Toronto (whose change is at 02:00 local on other days than
Europe's), Sydney and Adelaide (a half-hour offset, summer in the other half of the year) and
Lord Howe Island (a change of half an hour). Each start keeps its wall-clock time on both sides;
a start the clocks skip makes no date (and a one-off date there is refused); one the clocks
repeat is made once, at its first occurrence (fold 0). Found right: these pass on the code
they were written against, and stay as the record of what was checked."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.scheduling import services
from outings.scheduling.models import Slot
from outings.scheduling.rules import InvalidSchedule, ScheduleData

pytestmark = pytest.mark.django_db

CASES = [
    # zone, spring-forward day, a skipped time, fall-back day, a repeated time
    ("Europe/Madrid", date(2027, 3, 28), time(2, 30), date(2027, 10, 31), time(2, 30)),
    ("America/Toronto", date(2027, 3, 14), time(2, 30), date(2027, 11, 7), time(1, 30)),
    ("Australia/Sydney", date(2027, 10, 3), time(2, 30), date(2027, 4, 4), time(2, 30)),
    ("Australia/Lord_Howe", date(2027, 10, 3), time(2, 15), date(2027, 4, 4), time(1, 45)),
    ("Australia/Adelaide", date(2027, 10, 3), time(2, 30), date(2027, 4, 4), time(2, 30)),
]


@pytest.mark.parametrize(("zone", "spring", "skipped", "autumn", "repeated"), CASES)
def test_dates_keep_their_wall_clock_across_both_changes(
    zone: str, spring: date, skipped: time, autumn: date, repeated: time
) -> None:
    tz = ZoneInfo(zone)
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), time_zone=zone, duration_minutes=30
    )
    for day in (spring, autumn):
        now = datetime.combine(day - timedelta(days=8), time(12), tzinfo=tz).astimezone(UTC)
        services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=ScheduleData(
                weekdays=[day.weekday()],
                start_times=[time(0, 45), skipped if day == spring else repeated, time(9)],
                valid_from=day - timedelta(days=7),
                valid_until=day + timedelta(days=7),
                capacity=4,
            ),
            now=now,
        )
    local = sorted(
        (s.astimezone(tz).replace(tzinfo=None), s.astimezone(tz).fold)
        for s in Slot.objects.filter(listing=listing).values_list("starts_at", flat=True)
    )
    for day in (spring, autumn):
        week = [day - timedelta(days=7), day, day + timedelta(days=7)]
        at = skipped if day == spring else repeated
        expected = [
            (datetime.combine(d, t), 0)
            for d in week
            for t in (time(0, 45), at, time(9))
            if not (d == spring and t == skipped)
        ]
        assert [x for x in local if x[0].date() in week] == sorted(expected)
    # Each start once, in UTC order as on the wall clock.
    starts = list(
        Slot.objects.filter(listing=listing)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    assert len(set(starts)) == len(starts)
    alone = ListingFactory.create(host=listing.host, time_zone=zone, duration_minutes=30)
    with pytest.raises(InvalidSchedule):
        services.create_schedule(
            host=listing.host,
            listing_id=alone.pk,
            data=ScheduleData(kind="once", start_times=[skipped], valid_from=spring, capacity=4),
            now=datetime.combine(spring - timedelta(days=8), time(12), tzinfo=tz),
        )
