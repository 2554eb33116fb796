"""Review (session 18): rules and exceptions the services accepted that make no date at all.
Moving a start into the hour clocks skip took the date away and put none in its place (a one-off
date at such a time is refused, saying why); a one-off date whose starts have gone by, or a
rule that ended before today, was saved and made nothing, with a 201."""

from datetime import UTC, date, datetime, time

import pytest

from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, SlotFactory
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import (
    InvalidException,
    InvalidSchedule,
    ScheduleData,
    ScheduleOverlap,
)
from outings.scheduling.tests.support import stored

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # a Sunday, 10:00 in Berlin
GAP_DAY = date(2026, 3, 29)  # a Sunday: in Berlin the clocks go from 02:00 to 03:00


@pytest.fixture
def listing() -> Listing:
    return ListingFactory.create(
        host=HostProfileFactory.create(), time_zone="Europe/Berlin", duration_minutes=60
    )


def sundays(listing: Listing, at: time = time(10)) -> Schedule:
    """Sundays at `at` through March and April 2026."""
    return services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=[6],
            start_times=[at],
            valid_from=date(2026, 3, 1),
            valid_until=date(2026, 4, 30),
            capacity=8,
        ),
        now=NOW,
    )


def move(schedule: Schedule, day: date, start: time, to: time) -> ScheduleException:
    """The host moves the start of `day` at `start` to `to`."""
    return services.add_schedule_exception(
        host=schedule.listing.host,
        schedule_id=schedule.pk,
        day=day,
        start_time=start,
        action=ScheduleException.Action.MOVE,
        new_time=to,
        now=NOW,
    )


# --- A start moved into the skipped hour, or into the past ---------------------------------


def test_a_start_cannot_move_into_the_hour_the_clocks_skip(listing: Listing) -> None:
    schedule = sundays(listing)
    before = stored(Slot, ScheduleException)

    with pytest.raises(InvalidException) as refused:
        move(schedule, GAP_DAY, time(10), time(2, 30))

    assert refused.value.fields == {
        "new_time": ["02:30 does not exist on 2026-03-29 in Europe/Berlin: the clocks go forward."]
    }
    assert stored(Slot, ScheduleException) == before


def test_a_start_still_moves_to_a_time_that_exists_that_day(listing: Listing) -> None:
    move(sundays(listing), GAP_DAY, time(10), time(3, 30))

    assert Slot.objects.filter(starts_at=datetime(2026, 3, 29, 1, 30, tzinfo=UTC)).exists()


def test_a_start_cannot_move_to_a_time_of_today_that_has_gone_by(listing: Listing) -> None:
    """At 10:00, today's 12:00 start moved to 09:00: it went, and none came in its place."""
    schedule = sundays(listing, time(12))
    before = stored(Slot, ScheduleException)

    with pytest.raises(InvalidException) as refused:
        move(schedule, date(2026, 3, 1), time(12), time(9))

    assert refused.value.fields == {"new_time": ["09:00 on 2026-03-01 has gone by."]}
    assert stored(Slot, ScheduleException) == before


# --- Rules that make no date ----------------------------------------------------------------


def test_a_one_off_date_whose_starts_have_gone_by_is_refused(listing: Listing) -> None:
    """Today at 09:00 (it is 10:00) and yesterday: saved, nothing bookable, no word why."""
    for day, times in ((date(2026, 3, 1), [time(9)]), (date(2026, 2, 28), [time(18)])):
        with pytest.raises(InvalidSchedule) as refused:
            services.create_schedule(
                host=listing.host,
                listing_id=listing.pk,
                data=ScheduleData(kind="once", valid_from=day, start_times=times, capacity=8),
                now=NOW,
            )
        assert list(refused.value.fields) == ["start_times"]
        assert "has gone by" in refused.value.fields["start_times"][0]
    assert not Schedule.objects.exists()
    assert not Slot.objects.exists()


def test_a_one_off_date_later_today_is_made(listing: Listing) -> None:
    services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind="once", valid_from=date(2026, 3, 1), start_times=[time(14)], capacity=8
        ),
        now=NOW,
    )

    assert Slot.objects.filter(listing=listing).count() == 1


def test_a_weekly_rule_that_ended_before_today_is_refused(listing: Listing) -> None:
    with pytest.raises(InvalidSchedule) as refused:
        services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=ScheduleData(
                weekdays=[0, 2],
                start_times=[time(10)],
                valid_from=date(2026, 1, 1),
                valid_until=date(2026, 2, 28),
                capacity=8,
            ),
            now=NOW,
        )

    assert list(refused.value.fields) == ["valid_until"]
    assert not Schedule.objects.exists()


def test_a_one_off_date_with_a_start_still_to_come_today_is_made_for_it(listing: Listing) -> None:
    """09:00 has gone by, 14:00 is to come: the date is made at 14:00 (and such a date, edited
    after its first start, is not refused)."""
    schedule = services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind="once", valid_from=date(2026, 3, 1), start_times=[time(9), time(14)], capacity=8
        ),
        now=NOW,
    )
    services.update_schedule(
        host=listing.host,
        schedule_id=schedule.pk,
        data=ScheduleData(
            kind="once", valid_from=date(2026, 3, 1), start_times=[time(9), time(14)], capacity=9
        ),
        now=NOW,
    )

    assert list(Slot.objects.values_list("starts_at", "capacity")) == [
        (datetime(2026, 3, 1, 13, 0, tzinfo=UTC), 9)
    ]


# --- A start moved next to a date made by hand ---------------------------------------------


def test_a_start_cannot_move_onto_a_date_made_by_hand(listing: Listing) -> None:
    """Sundays at 10:00, and a date staff made by hand on 8 March at 14:00 (an hour long). The
    host moves that Sunday's 10:00 to 14:30: accepted, the 10:00 date went, and the 14:30 one
    never came (the sync skips a start whose group would be out with another date). Refused as
    a move onto another rule's start is."""
    schedule = sundays(listing)
    by_hand = SlotFactory.create(
        listing=listing,
        starts_at=datetime(2026, 3, 8, 13, 0, tzinfo=UTC),  # 14:00 in Berlin
        ends_at=datetime(2026, 3, 8, 14, 0, tzinfo=UTC),
    )
    before = stored(Slot, ScheduleException)

    with pytest.raises(ScheduleOverlap) as refused:
        move(schedule, date(2026, 3, 8), time(10), time(14, 30))

    assert list(refused.value.fields) == ["new_time"]
    assert "14:00" in refused.value.message
    assert stored(Slot, ScheduleException) == before
    assert by_hand.pk in Slot.objects.values_list("pk", flat=True)


def test_a_start_still_moves_next_to_a_date_made_by_hand(listing: Listing) -> None:
    schedule = sundays(listing)
    SlotFactory.create(
        listing=listing,
        starts_at=datetime(2026, 3, 8, 13, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 8, 14, 0, tzinfo=UTC),
    )

    move(schedule, date(2026, 3, 8), time(10), time(15))

    assert Slot.objects.filter(
        schedule=schedule, starts_at=datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    ).exists()


def test_undoing_a_cancelled_start_next_to_a_date_made_by_hand_is_refused(
    listing: Listing,
) -> None:
    """Staff corrected the 10:00 date of 8 March to 10:30: it left its rule, and the rule's
    10:00 that day is cancelled (an exception the host sees and may undo). Undone, it was
    accepted and the 10:00 date never came back (the sync skipped it beside 10:30)."""
    schedule = sundays(listing)
    SlotFactory.create(
        listing=listing,
        starts_at=datetime(2026, 3, 8, 9, 30, tzinfo=UTC),  # 10:30 in Berlin
        ends_at=datetime(2026, 3, 8, 10, 30, tzinfo=UTC),
    )
    cancelled = services.add_schedule_exception(
        host=listing.host,
        schedule_id=schedule.pk,
        day=date(2026, 3, 8),
        start_time=time(10),
        action=ScheduleException.Action.CANCEL,
        new_time=None,
        now=NOW,
    )
    before = stored(Slot, ScheduleException)

    with pytest.raises(ScheduleOverlap) as refused:
        services.remove_schedule_exception(host=listing.host, exception_id=cancelled.pk, now=NOW)

    assert "2026-03-08 10:00 and 10:30 overlap" in refused.value.message
    assert stored(Slot, ScheduleException) == before
