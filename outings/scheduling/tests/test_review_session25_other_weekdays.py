"""Review (session 25): two rules without an end, on different days of the week, were refused
as overlapping when their start times were close.

A 90-minute tour in Berlin runs Monday to Friday at 10:00; its host adds the weekend at 10:30:
"This schedule overlaps another one of the listing", though the two never run on the same day.
Session 23's comparison of rules day by day (rules._rules_overlap) counted the days both run
with no day of the week in common and, with no end to either rule, took "some day both run" for
granted. The same refused a new duration for such a listing, and a change of either rule. Rules
on different days are compared no more; two rules on a shared day still are (the controls).
Each test but the controls failed on the code it was written against."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.test import Client

from outings.accounts import services as account_services
from outings.catalog.models import Listing
from outings.scheduling import services
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData, ScheduleOverlap
from outings.scheduling.tests.test_review_session10 import berlin_listing, overlapping
from outings.scheduling.tests.test_review_session23_days_off_range import new_duration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday, 08:00 in Berlin
WEEK = [0, 1, 2, 3, 4]
WEEKEND = [5, 6]


def rule(weekdays: list[int], at: time, until: date | None = None) -> ScheduleData:
    return ScheduleData(
        weekdays=weekdays,
        start_times=[at],
        valid_from=date(2026, 6, 1),
        valid_until=until,
        capacity=8,
    )


def add(listing: Listing, data: ScheduleData) -> Schedule:
    return services.create_schedule(host=listing.host, listing_id=listing.pk, data=data, now=NOW)


@pytest.fixture
def listing() -> Listing:
    listing = berlin_listing(duration_minutes=90)
    add(listing, rule(WEEK, time(10)))
    return listing


def test_the_weekend_at_another_time_is_added_beside_the_week(listing: Listing) -> None:
    weekend = add(listing, rule(WEEKEND, time(10, 30)))

    assert Slot.objects.filter(schedule=weekend).count() == 34  # the weekends to 29 September
    assert overlapping(listing) == []


def test_either_rule_is_still_changed(listing: Listing) -> None:
    weekend = add(listing, rule(WEEKEND, time(10, 30)))

    services.update_schedule(
        host=listing.host, schedule_id=weekend.pk, data=rule(WEEKEND, time(10, 15)), now=NOW
    )

    assert overlapping(listing) == []


def test_a_new_duration_is_still_taken(listing: Listing) -> None:
    add(listing, rule(WEEKEND, time(10, 30)))

    new_duration(listing, 120)

    lengths = {end - start for start, end in Slot.objects.values_list("starts_at", "ends_at")}
    assert lengths == {timedelta(minutes=120)}
    assert overlapping(listing) == []


def test_the_api_adds_it(listing: Listing) -> None:
    token = account_services.create_api_token(user=listing.host.user, name="t").secret
    api = Client(headers={"Authorization": f"Bearer {token}"})
    weekend = {"weekdays": WEEKEND, "start_times": ["10:30"], "valid_from": "2026-06-01"}

    answer = api.post(
        f"/api/v1/host/listings/{listing.pk}/schedules",
        {**weekend, "capacity": 8},
        content_type="application/json",
    )

    assert answer.status_code == 201, answer.content


# --- Controls --------------------------------------------------------------------------------


def test_a_rule_on_a_shared_day_is_still_refused(listing: Listing) -> None:
    with pytest.raises(ScheduleOverlap):
        add(listing, rule([4, 5], time(10, 30)))


def test_a_longer_duration_is_still_refused_where_the_rules_share_a_day(listing: Listing) -> None:
    add(listing, rule([5], time(12)))
    add(listing, rule([4], time(14), until=date(2026, 6, 30)))  # beside Friday's 10:00

    with pytest.raises(ScheduleOverlap):
        new_duration(listing, 250)
