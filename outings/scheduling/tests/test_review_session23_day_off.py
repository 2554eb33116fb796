"""Review (session 23): a one-off date on a day whose start the host cancelled or moved away.

A 90-minute listing runs Mondays at 10:00. The host cancels Monday 8 June and adds a one-off
date at 10:30 that day instead (with other places, a guest's private group): refused, "This
schedule overlaps another one of the listing", though the weekly rule makes no 10:00 date that
day. Rules were compared by their own start times, whatever their exceptions said. Now a rule
and a one-off date (the rules' common range is that one day) are compared as each runs that
day: a start cancelled, or moved to another time, leaves its place free (the time a start moved
to is checked in real time, as before: check_moved_days). Undoing the day off afterwards would
bring the 10:00 back beside the 10:30 date, and the sync would make no date for it: refused,
as an undo is beside a start moved there. Each test failed on the code it was written against,
but the controls."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from outings.catalog.models import Listing
from outings.catalog.services import ListingData
from outings.catalog.services import update_listing as update_listing_as_catalog
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import ScheduleData, ScheduleOverlap
from outings.scheduling.tests.test_review_session10 import berlin_listing, overlapping

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday
DAY_OFF = date(2026, 6, 8)


@pytest.fixture
def listing() -> Listing:
    return berlin_listing(duration_minutes=90)


@pytest.fixture
def mondays(listing: Listing) -> Schedule:
    return services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=[0],
            start_times=[time(10)],
            valid_from=date(2026, 6, 1),
            valid_until=date(2026, 6, 29),
            capacity=8,
        ),
        now=NOW,
    )


def _day_off(
    listing: Listing, mondays: Schedule, day: date = DAY_OFF, **change: object
) -> ScheduleException:
    values: dict[str, object] = {"start_time": None, "action": "cancel", "new_time": None}
    values.update(change)
    return services.add_schedule_exception(
        host=listing.host,
        listing_id=listing.pk,
        schedule_id=mondays.pk,
        day=day,
        now=NOW,
        **values,  # type: ignore[arg-type]
    )


def _one_off(listing: Listing, day: date, at: time) -> Schedule:
    return services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(kind="once", start_times=[at], valid_from=day, capacity=14),
        now=NOW,
    )


def _starts_on(listing: Listing, day: date) -> list[str]:
    slots = Slot.objects.filter(listing=listing, status=Slot.Status.OPEN).order_by("starts_at")
    local = [slot.starts_at.astimezone(ZoneInfo(listing.time_zone)) for slot in slots]
    return [f"{start:%H:%M}" for start in local if start.date() == day]


def test_a_one_off_date_takes_the_place_of_a_day_off(listing, mondays):
    _day_off(listing, mondays)

    _one_off(listing, DAY_OFF, time(10, 30))

    assert _starts_on(listing, DAY_OFF) == ["10:30"]
    assert overlapping(listing) == []


def test_a_one_off_date_takes_the_place_of_a_cancelled_start(listing, mondays):
    _day_off(listing, mondays, start_time=time(10))

    _one_off(listing, DAY_OFF, time(10, 30))

    assert _starts_on(listing, DAY_OFF) == ["10:30"]


def test_a_one_off_date_takes_the_place_of_a_start_moved_away(listing, mondays):
    _day_off(listing, mondays, start_time=time(10), action="move", new_time=time(15))

    _one_off(listing, DAY_OFF, time(10, 30))

    assert _starts_on(listing, DAY_OFF) == ["10:30", "15:00"]
    assert overlapping(listing) == []


def test_a_one_off_date_beside_the_time_a_start_moved_to_is_still_refused(listing, mondays):
    """The control: the moved start's new time is a start of that day."""
    _day_off(listing, mondays, start_time=time(10), action="move", new_time=time(15))

    with pytest.raises(ScheduleOverlap):
        _one_off(listing, DAY_OFF, time(14, 30))

    assert _starts_on(listing, DAY_OFF) == ["15:00"]


def test_a_one_off_date_on_a_day_the_rule_runs_is_still_refused(listing, mondays):
    """The control: another Monday, its 10:00 as the rule says."""
    _day_off(listing, mondays)

    with pytest.raises(ScheduleOverlap):
        _one_off(listing, date(2026, 6, 15), time(10, 30))

    assert _starts_on(listing, date(2026, 6, 15)) == ["10:00"]


def test_undoing_the_day_off_beside_the_one_off_date_is_refused(listing, mondays):
    """Undone, the 10:00 would be back beside the 10:30 date: the sync makes no date for it, and
    the undo was accepted for nothing."""
    exception = _day_off(listing, mondays)
    _one_off(listing, DAY_OFF, time(10, 30))

    with pytest.raises(ScheduleOverlap):
        services.remove_schedule_exception(
            host=listing.host, listing_id=listing.pk, exception_id=exception.pk, now=NOW
        )

    assert ScheduleException.objects.filter(pk=exception.pk).exists()
    assert _starts_on(listing, DAY_OFF) == ["10:30"]


def test_undoing_another_day_off_of_the_rule_goes_through(listing, mondays):
    """The control: a day off with no date in its place is undone as before."""
    _day_off(listing, mondays)
    _one_off(listing, DAY_OFF, time(10, 30))
    other = _day_off(listing, mondays, date(2026, 6, 22))

    services.remove_schedule_exception(
        host=listing.host, listing_id=listing.pk, exception_id=other.pk, now=NOW
    )

    assert _starts_on(listing, date(2026, 6, 22)) == ["10:00"]


def test_the_rule_beside_the_one_off_date_can_still_be_changed(listing, mondays):
    """Its day off stays with it: a longer run of Mondays does not meet the 10:30 date."""
    _day_off(listing, mondays)
    _one_off(listing, DAY_OFF, time(10, 30))

    services.update_schedule(
        host=listing.host,
        listing_id=listing.pk,
        schedule_id=mondays.pk,
        data=ScheduleData(
            weekdays=[0],
            start_times=[time(10)],
            valid_from=date(2026, 6, 1),
            valid_until=date(2026, 7, 27),
            capacity=8,
        ),
        now=NOW,
        expected_version=mondays.version,
    )

    assert _starts_on(listing, DAY_OFF) == ["10:30"]
    assert _starts_on(listing, date(2026, 7, 27)) == ["10:00"]


def test_the_listing_beside_the_one_off_date_can_still_take_a_new_duration(listing, mondays):
    _day_off(listing, mondays)
    _one_off(listing, DAY_OFF, time(10, 30))
    data = ListingData.of(listing)

    update_listing_as_catalog(
        host=listing.host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=ListingData(**{**data.__dict__, "duration_minutes": 100}),
        actor=listing.host.user,
        now=NOW,
    )

    assert _starts_on(listing, DAY_OFF) == ["10:30"]
    assert overlapping(listing) == []
