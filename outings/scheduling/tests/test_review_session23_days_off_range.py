"""Review (session 23, afternoon): rules whose common range is longer than one day, compared as
each runs.

A 90-minute listing runs Mondays at 10:00 through June. The host takes Mondays 8 and 15 June off
the rule and offers a short run of Mondays at 10:30 on those two days instead (a weekly rule of
8 to 21 June): refused, "This schedule overlaps another one of the listing", though the two
never run on the same day. This morning's fix (rules._rules_overlap with starts_kept) compared
two rules as they run only where they share a single day; over a longer range it still compared
their own start times, and a new duration was refused the same way. Now every day both rules run
where either has an exception is compared as each runs it, and any other day they share means
their own start times meet; the work grows with the exceptions, not the range. Each test but the
controls failed before the fix."""

from datetime import UTC, date, datetime, time

import pytest

from outings.catalog.models import Listing
from outings.catalog.services import ListingData
from outings.catalog.services import update_listing as update_listing_as_catalog
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import ScheduleData, ScheduleOverlap
from outings.scheduling.tests.test_review_session10 import berlin_listing, overlapping
from outings.scheduling.tests.test_review_session23_day_off import _day_off, _starts_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday
JUNE_8, JUNE_15, JUNE_22 = date(2026, 6, 8), date(2026, 6, 15), date(2026, 6, 22)


@pytest.fixture
def listing() -> Listing:
    return berlin_listing(duration_minutes=90)


def _rule(
    listing: Listing, at: time, first: date, last: date | None, capacity: int = 8
) -> Schedule:
    return services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=[0], start_times=[at], valid_from=first, valid_until=last, capacity=capacity
        ),
        now=NOW,
    )


@pytest.fixture
def mondays(listing: Listing) -> Schedule:
    return _rule(listing, time(10), date(2026, 6, 1), date(2026, 6, 29))


def new_duration(listing: Listing, minutes: int) -> None:
    """Its host gives `listing` a duration of `minutes`, at NOW."""
    listing.refresh_from_db()
    data = ListingData.of(listing)
    update_listing_as_catalog(
        host=listing.host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=ListingData(**{**data.__dict__, "duration_minutes": minutes}),
        actor=listing.host.user,
        now=NOW,
    )


def test_a_run_of_mondays_takes_the_place_of_the_days_off(listing, mondays):
    _day_off(listing, mondays, JUNE_8)
    _day_off(listing, mondays, JUNE_15)

    _rule(listing, time(10, 30), JUNE_8, date(2026, 6, 21), capacity=14)

    assert _starts_on(listing, JUNE_8) == ["10:30"]
    assert _starts_on(listing, JUNE_15) == ["10:30"]
    assert _starts_on(listing, JUNE_22) == ["10:00"]
    assert overlapping(listing) == []


def test_a_run_of_mondays_on_a_day_the_rule_runs_is_still_refused(listing, mondays):
    """The control: the run reaches 22 June, a Monday the rule keeps."""
    _day_off(listing, mondays, JUNE_8)
    _day_off(listing, mondays, JUNE_15)

    with pytest.raises(ScheduleOverlap):
        _rule(listing, time(10, 30), JUNE_8, JUNE_22)

    assert Schedule.objects.filter(listing=listing).count() == 1
    assert _starts_on(listing, JUNE_22) == ["10:00"]


def test_an_open_ended_rule_beside_a_day_off_is_still_refused(listing, mondays):
    """The control: a rule without an end meets the Mondays on every day they keep."""
    _day_off(listing, mondays, JUNE_8)

    with pytest.raises(ScheduleOverlap):
        _rule(listing, time(10, 30), JUNE_8, None)

    assert Schedule.objects.filter(listing=listing).count() == 1


def test_the_listing_takes_a_new_duration_where_the_first_rule_has_the_days_off(listing, mondays):
    """At 100 minutes the 10:00 group would still be out at 11:30, but not on a day it is off."""
    later = _rule(listing, time(11, 30), JUNE_8, date(2026, 6, 21))
    _day_off(listing, mondays, JUNE_8)
    _day_off(listing, mondays, JUNE_15)

    new_duration(listing, 100)

    listing.refresh_from_db()
    assert listing.duration_minutes == 100
    assert _starts_on(listing, JUNE_8) == ["11:30"]
    assert _starts_on(listing, JUNE_22) == ["10:00"]
    assert overlapping(listing) == []
    assert Slot.objects.filter(schedule=later, status=Slot.Status.OPEN).count() == 2


def test_the_listing_takes_a_new_duration_where_the_second_rule_has_the_days_off(listing, mondays):
    """The same with the exceptions on the other rule of the pair."""
    later = _rule(listing, time(11, 30), date(2026, 6, 1), JUNE_8)
    _day_off(listing, later, date(2026, 6, 1))
    _day_off(listing, later, JUNE_8)

    new_duration(listing, 100)

    listing.refresh_from_db()
    assert listing.duration_minutes == 100
    assert _starts_on(listing, JUNE_8) == ["10:00"]
    assert overlapping(listing) == []


def test_a_new_duration_is_still_refused_on_a_day_both_run(listing, mondays):
    """The control: 15 June keeps both its 10:00 and its 11:30."""
    _rule(listing, time(11, 30), JUNE_8, date(2026, 6, 21))
    _day_off(listing, mondays, JUNE_8)

    with pytest.raises(ScheduleOverlap):
        new_duration(listing, 100)

    listing.refresh_from_db()
    assert listing.duration_minutes == 90
    assert _starts_on(listing, JUNE_15) == ["10:00", "11:30"]


def test_undoing_a_day_off_beside_the_run_of_mondays_is_refused(listing, mondays):
    """Undone, the 10:00 would be back beside the run's 10:30: the sync would make it no date."""
    exception = _day_off(listing, mondays, JUNE_8)
    _day_off(listing, mondays, JUNE_15)
    _rule(listing, time(10, 30), JUNE_8, date(2026, 6, 21))

    with pytest.raises(ScheduleOverlap):
        services.remove_schedule_exception(
            host=listing.host, listing_id=listing.pk, exception_id=exception.pk, now=NOW
        )

    assert ScheduleException.objects.filter(pk=exception.pk).exists()
    assert _starts_on(listing, JUNE_8) == ["10:30"]
