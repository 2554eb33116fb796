"""Review of the schedule services while splitting them into a package (session 15). Each test
proves one defect; its docstring says what a host sees and which rule it breaks."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.scheduling import services
from outings.scheduling.models import Schedule
from outings.scheduling.rules import MAX_DAYS_AHEAD, InvalidSchedule, ScheduleData

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("zone", "now", "local_today"),
    [
        # 12:00 UTC is 02:00 the next day on Kiritimati (UTC+14)
        ("Pacific/Kiritimati", datetime(2026, 6, 1, 12, 0, tzinfo=UTC), date(2026, 6, 2)),
        # 05:00 UTC is 18:00 the day before in Pago Pago (UTC-11)
        ("Pacific/Pago_Pago", datetime(2026, 6, 1, 5, 0, tzinfo=UTC), date(2026, 5, 31)),
    ],
)
def test_a_rule_may_start_ten_years_from_the_listings_own_today(
    zone: str, now: datetime, local_today: date
) -> None:
    """ "A rule starts at most ten years ahead", "an exception's day is from the listing's today
    to ten years ahead" (docs/hosting.md): every date of the schedules is the listing's local
    date, and an exception's bound is measured from it. A rule's was measured from the UTC
    date (`_checked`: `today=now.date()`), so on Kiritimati a one-off date on the last day
    allowed is refused while an exception on that same day is accepted, and in Pago Pago a
    date one day past the bound is accepted."""
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), time_zone=zone, duration_minutes=60
    )
    last = local_today + timedelta(days=MAX_DAYS_AHEAD)

    def one_off(day: date) -> Schedule:
        return services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=ScheduleData(
                kind=Schedule.Kind.ONCE, valid_from=day, start_times=[time(10)], capacity=4
            ),
            now=now,
        )

    with pytest.raises(InvalidSchedule) as refused:
        one_off(last + timedelta(days=1))
    assert set(refused.value.fields) == {"valid_from"}
    assert one_off(last).valid_from == last
