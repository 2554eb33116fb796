"""Review (session 23): a weekly rule without an end runs on for years; a rule spans at most
three years, measured from its first day, so once it had run that long its host could never
give it an end: "A schedule may span at most three years." for a rule that would stop in three
months. The bound is there to cap what a rule makes from now on (its past costs nothing), so it
is measured from the rule's first day or the listing's today, whichever is later. Each test
failed on the code it was written against, but the controls."""

from datetime import UTC, date, datetime, time

import pytest

from outings.catalog.models import Listing
from outings.scheduling import services
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import InvalidSchedule, ScheduleData
from outings.scheduling.tests.test_review_session10 import berlin_listing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

STARTED = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday
YEARS_LATER = datetime(2030, 3, 4, 6, 0, tzinfo=UTC)  # a Monday, nearly four years on


def _mondays(valid_from: date, valid_until: date | None) -> ScheduleData:
    return ScheduleData(
        weekdays=[0],
        start_times=[time(10)],
        valid_from=valid_from,
        valid_until=valid_until,
        capacity=8,
    )


@pytest.fixture
def listing() -> Listing:
    return berlin_listing()


@pytest.fixture
def running(listing: Listing) -> Schedule:
    """Mondays at 10:00 since June 2026, with no end."""
    return services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=_mondays(date(2026, 6, 1), None),
        now=STARTED,
    )


def _end(listing: Listing, rule: Schedule, until: date, *, valid_from: date) -> Schedule:
    return services.update_schedule(
        host=listing.host,
        listing_id=listing.pk,
        schedule_id=rule.pk,
        data=_mondays(valid_from, until),
        now=YEARS_LATER,
        expected_version=rule.version,
    )


def test_a_rule_that_ran_for_years_can_be_given_an_end(listing, running):
    services.materialize_schedules(now=YEARS_LATER, horizon_days=120)

    ended = _end(listing, running, date(2030, 6, 30), valid_from=date(2026, 6, 1))

    assert (ended.valid_from, ended.valid_until) == (date(2026, 6, 1), date(2030, 6, 30))
    last = Slot.objects.filter(schedule=ended).order_by("-starts_at").first()
    assert last is not None
    assert last.starts_at == datetime(2030, 6, 24, 8, 0, tzinfo=UTC)  # 10:00 in Berlin


def test_a_rule_that_ran_for_years_may_still_run_three_more(listing, running):
    ended = _end(listing, running, date(2033, 3, 4), valid_from=date(2026, 6, 1))

    assert ended.valid_until == date(2033, 3, 4)


def test_nor_may_it_run_more_than_three_years_from_today(listing, running):
    """The control: the bound still caps what the rule makes from now on."""
    with pytest.raises(InvalidSchedule) as refused:
        _end(listing, running, date(2033, 3, 10), valid_from=date(2026, 6, 1))

    assert refused.value.fields == {"valid_until": ["A schedule may span at most three years."]}
    running.refresh_from_db()
    assert running.valid_until is None


def test_a_rule_starting_ahead_spans_three_years_from_its_first_day(listing):
    """The control: a rule not begun yet is measured from its first day, as before."""
    with pytest.raises(InvalidSchedule):
        services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=_mondays(date(2031, 1, 6), date(2034, 1, 16)),
            now=YEARS_LATER,
        )

    assert not Schedule.objects.exists()
