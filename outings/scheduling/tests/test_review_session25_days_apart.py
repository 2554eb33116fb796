"""Review (session 25): starts of different days were never compared, and the later one
silently got no date.

A listing lasts up to a week (or runs past midnight), but starts were compared on one day only.
A three-day outing every Monday and Wednesday at 09:00 was taken ("Schedule added; its dates
are on the listing.") and made no Wednesday at all: Monday's group is still out on Wednesday,
and the sync makes the dates one group at a time (session 20). So was a night walk of two
hours every day at 00:30 and 23:30 (each night's 23:30 is still out at the next 00:30: only
the first 00:30 came); a longer duration given to a listing whose rule then reached the next
day (its dates of that day went, without a word); a one-off date at 00:30 beside another
rule's 23:00 the night before, or a second rule on the day a long outing of the first is out
(no date); and the undoing of a night off beside such a date (the night never came back). Each
is now refused, naming the starts (a 400 on the rule's start times, as two starts of one day
are; a 409 schedule_overlap on the duration, beside another rule, or for the undo), and
nothing changes. A rule whose starts of two days are the listing's duration apart, or whose
range never reaches the second day, and a date after midnight in the place of a night off, are
still taken (the controls). Each refusal test failed on the code it was written against."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from outings.accounts import services as account_services
from outings.catalog.models import Listing
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import InvalidSchedule, ScheduleData, ScheduleOverlap
from outings.scheduling.tests.support import stored
from outings.scheduling.tests.test_review_session10 import berlin_listing, overlapping
from outings.scheduling.tests.test_review_session23_days_off_range import new_duration

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday, 08:00 in Berlin
THREE_DAYS = 3 * 24 * 60
BERLIN = ZoneInfo("Europe/Berlin")


def weekly(**values: object) -> ScheduleData:
    rule: dict[str, object] = {
        "weekdays": [0, 2],
        "start_times": [time(9)],
        "valid_from": date(2026, 6, 1),
        "valid_until": date(2026, 6, 30),
        "capacity": 8,
    }
    rule.update(values)
    return ScheduleData(**rule)  # type: ignore[arg-type]


def add(listing: Listing, data: ScheduleData) -> Schedule:
    return services.create_schedule(host=listing.host, listing_id=listing.pk, data=data, now=NOW)


def weekdays_made(listing: Listing) -> set[str]:
    """The days of the week of the listing's open dates (Berlin's)."""
    return {
        f"{start.astimezone(BERLIN):%a}"
        for start in Slot.objects.filter(listing=listing, status=Slot.Status.OPEN).values_list(
            "starts_at", flat=True
        )
    }


def test_a_three_day_outing_on_monday_and_wednesday_is_refused() -> None:
    """Saved, it made Mondays only."""
    listing = berlin_listing(duration_minutes=THREE_DAYS)
    before = stored(Schedule, Slot)

    with pytest.raises(InvalidSchedule) as refused:
        add(listing, weekly())

    message = "Monday 09:00 and Wednesday 09:00 overlap: the listing lasts 4320 minutes."
    assert refused.value.fields == {"start_times": [message]}
    assert stored(Schedule, Slot) == before


def test_a_night_walk_at_half_past_midnight_and_half_past_eleven_is_refused() -> None:
    """Saved, each night's 23:30 was still out at the next 00:30: one 00:30 date in a month."""
    listing = berlin_listing(duration_minutes=120)
    before = stored(Schedule, Slot)

    with pytest.raises(InvalidSchedule) as refused:
        add(listing, weekly(weekdays=range(7), start_times=[time(0, 30), time(23, 30)]))

    message = "Monday 23:30 and Tuesday 00:30 overlap: the listing lasts 120 minutes."
    assert refused.value.fields == {"start_times": [message]}
    assert stored(Schedule, Slot) == before


def test_a_rule_changed_to_reach_the_next_day_is_refused() -> None:
    listing = berlin_listing(duration_minutes=THREE_DAYS)
    rule = add(listing, weekly(weekdays=[0, 3]))  # Monday 09:00 to Thursday 09:00: no overlap
    before = stored(Schedule, Slot)

    with pytest.raises(InvalidSchedule):
        services.update_schedule(
            host=listing.host, schedule_id=rule.pk, data=weekly(weekdays=[0, 2]), now=NOW
        )

    assert stored(Schedule, Slot) == before


def test_a_longer_duration_that_reaches_the_next_day_of_a_rule_is_refused() -> None:
    """Taken, the Thursdays went: Monday's group was out until Friday."""
    listing = berlin_listing(duration_minutes=60)
    add(listing, weekly(weekdays=[0, 3]))
    before = stored(Listing, Schedule, Slot)

    with pytest.raises(ScheduleOverlap) as refused:
        new_duration(listing, 4 * 24 * 60)

    message = "Monday 09:00 and Thursday 09:00 overlap: the listing lasts 5760 minutes."
    assert refused.value.fields == {"duration_minutes": [message]}
    assert stored(Listing, Schedule, Slot) == before


def test_the_api_refuses_it_as_a_400_naming_the_starts() -> None:
    listing = berlin_listing(duration_minutes=THREE_DAYS)
    token = account_services.create_api_token(user=listing.host.user, name="t").secret
    api = Client(headers={"Authorization": f"Bearer {token}"})
    rule = {"weekdays": [0, 2], "start_times": ["09:00"], "valid_from": "2030-06-03", "capacity": 8}

    answer = api.post(
        f"/api/v1/host/listings/{listing.pk}/schedules", rule, content_type="application/json"
    )

    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] == "validation_error"
    assert answer.json()["error"]["fields"] == {
        "body.payload.start_times": [
            "Monday 09:00 and Wednesday 09:00 overlap: the listing lasts 4320 minutes."
        ]
    }
    assert not Schedule.objects.exists()
    assert not ScheduleException.objects.exists()


def once(day: date, at: time) -> ScheduleData:
    return ScheduleData(kind=Schedule.Kind.ONCE, start_times=[at], valid_from=day, capacity=8)


def test_a_date_after_midnight_beside_another_rules_night_is_refused() -> None:
    """Every night at 23:00 for two hours; a one-off date at 00:30 on Tuesday 9 June: saved,
    it made no date (Monday's group is out until 01:00), without a word."""
    listing = berlin_listing(duration_minutes=120)
    nights = add(listing, weekly(weekdays=range(7), start_times=[time(23)]))
    before = stored(Schedule, Slot)

    with pytest.raises(ScheduleOverlap) as refused:
        add(listing, once(date(2026, 6, 9), time(0, 30)))

    assert refused.value.fields == {"start_times": [f"Overlaps schedule #{nights.pk}."]}
    assert stored(Schedule, Slot) == before


def test_another_rule_on_the_day_a_long_outing_is_out_is_refused() -> None:
    listing = berlin_listing(duration_minutes=THREE_DAYS)
    add(listing, weekly(weekdays=[0]))

    with pytest.raises(ScheduleOverlap):
        add(listing, weekly(weekdays=[2]))

    assert weekdays_made(listing) == {"Mon"}


def test_undoing_the_night_off_beside_a_date_after_midnight_is_refused() -> None:
    """Monday 8 June's 23:00 cancelled, a date at 00:30 on Tuesday takes its place (accepted:
    the control); undone, the 23:00 came back as no date (the 00:30 date was there first)."""
    listing = berlin_listing(duration_minutes=120)
    nights = add(listing, weekly(weekdays=range(7), start_times=[time(23)]))
    night_off = services.add_schedule_exception(
        host=listing.host,
        schedule_id=nights.pk,
        day=date(2026, 6, 8),
        start_time=None,
        action=ScheduleException.Action.CANCEL,
        new_time=None,
        now=NOW,
    )
    add(listing, once(date(2026, 6, 9), time(0, 30)))
    assert datetime(2026, 6, 8, 22, 30, tzinfo=UTC) in set(
        Slot.objects.filter(listing=listing).values_list("starts_at", flat=True)
    )
    before = stored(Schedule, ScheduleException, Slot)

    with pytest.raises(ScheduleOverlap) as refused:
        services.remove_schedule_exception(host=listing.host, exception_id=night_off.pk, now=NOW)

    assert refused.value.message == (
        "2026-06-08 23:00 and 2026-06-09 00:30 overlap: the listing lasts 120 minutes."
    )
    assert stored(Schedule, ScheduleException, Slot) == before


# --- Controls --------------------------------------------------------------------------------


def test_a_three_day_outing_on_monday_and_thursday_makes_both() -> None:
    """Monday's group is back at 09:00 on Thursday, when Thursday's begins."""
    listing = berlin_listing(duration_minutes=THREE_DAYS)

    add(listing, weekly(weekdays=[0, 3]))

    assert weekdays_made(listing) == {"Mon", "Thu"}
    assert overlapping(listing) == []


def test_a_rule_whose_range_never_reaches_the_second_day_is_taken() -> None:
    """From Monday to Tuesday, its Wednesday never comes: one Monday date."""
    listing = berlin_listing(duration_minutes=THREE_DAYS)

    add(listing, weekly(valid_until=date(2026, 6, 2)))

    assert weekdays_made(listing) == {"Mon"}


def test_a_walk_back_before_the_next_nights_start_is_taken() -> None:
    """23:30 for 60 minutes is back at 00:30: every night has both."""
    listing = berlin_listing(duration_minutes=60)

    add(listing, weekly(weekdays=range(7), start_times=[time(0, 30), time(23, 30)]))

    assert Slot.objects.filter(listing=listing).count() == 29 * 2 + 1  # June 1's 00:30 is past
    assert overlapping(listing) == []
