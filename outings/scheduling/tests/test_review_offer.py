"""Review of the offering area (hosts): schedule and slot rules that the code does not keep."""

from contextlib import suppress
from dataclasses import replace
from datetime import UTC, date, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from outings.catalog import services as catalog_services
from outings.catalog.services import ListingData
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.scheduling import services
from outings.scheduling.models import Slot
from outings.scheduling.rules import (
    InvalidSchedule,
    ScheduleData,
    ScheduleOverlap,
    SlotHasBookings,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def listing():
    return ListingFactory.create(
        host=HostProfileFactory.create(),
        status="draft",
        address="Am Kupfergraben 1",
        city="Berlin",
        country_code="DE",
        latitude=52.52,
        longitude=13.395,
        time_zone="Europe/Berlin",
        duration_minutes=90,
    )


def mondays(*starts: time) -> ScheduleData:
    return ScheduleData(
        weekdays=[0],
        start_times=list(starts),
        valid_from=date(2026, 6, 1),
        valid_until=date(2026, 6, 14),
        capacity=8,
    )


def open_slots(listing, zone: str | None = None):
    tz = ZoneInfo(zone or listing.time_zone)
    return [
        (
            s.starts_at.astimezone(tz).strftime("%a %d %H:%M"),
            s.ends_at.astimezone(tz).strftime("%H:%M"),
        )
        for s in Slot.objects.filter(listing=listing, status=Slot.Status.OPEN).order_by("starts_at")
    ]


def overlapping(listing):
    slots = Slot.objects.filter(listing=listing, status=Slot.Status.OPEN).order_by("starts_at")
    return [(a.starts_at, b.starts_at) for a, b in pairwise(slots) if b.starts_at < a.ends_at]


def test_cancelling_a_whole_day_also_cancels_a_start_moved_on_that_day(listing):
    """A host moves Monday 8 June's 10:00 to 11:00, then (it rains) cancels the whole of Monday
    8 June ("cancel it (every start, or one)"). desired_starts (scheduling/services.py:144)
    looks up `exceptions.get((day, at)) or exceptions.get((day, None))`: the per-start move
    wins over the whole-day cancel, so the 11:00 slot stays open and bookable on a day the host
    cancelled."""
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=mondays(time(10), time(14)), now=NOW
    )
    services.add_schedule_exception(
        host=listing.host, schedule_id=schedule.pk, day=date(2026, 6, 8), start_time=time(10),
        action="move", new_time=time(11), now=NOW,
    )  # fmt: skip
    services.add_schedule_exception(
        host=listing.host, schedule_id=schedule.pk, day=date(2026, 6, 8), start_time=None,
        action="cancel", new_time=None, now=NOW,
    )  # fmt: skip

    assert open_slots(listing) == [("Mon 01 10:00", "11:30"), ("Mon 01 14:00", "15:30")]


def test_moving_a_start_onto_another_start_of_the_day_is_refused(listing):
    """Moving Monday 1 June's 10:00 to 14:00, where the rule already starts a group, is
    accepted (rules.check_exception never compares the new time with the day's other starts)
    and the 10:00 slot is simply deleted: the wanted set holds 14:00 once, so the day silently
    loses a date instead of the host being told (409 schedule_overlap, as for rules)."""
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=mondays(time(10), time(14)), now=NOW
    )

    with pytest.raises((InvalidSchedule, ScheduleOverlap)):
        services.add_schedule_exception(
            host=listing.host, schedule_id=schedule.pk, day=date(2026, 6, 1),
            start_time=time(10), action="move", new_time=time(14), now=NOW,
        )  # fmt: skip

    assert open_slots(listing)[:2] == [("Mon 01 10:00", "11:30"), ("Mon 01 14:00", "15:30")]


def test_moving_a_start_never_makes_two_groups_overlap(listing):
    """docs/hosting.md: "One listing runs one group at a time". A 90-minute listing with starts
    at 10:00 and 14:00: moving 10:00 to 13:00 gives a 13:00-14:30 slot overlapping 14:00-15:30;
    check_exception (scheduling/rules.py:167) checks only that the new time is whole minutes."""
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=mondays(time(10), time(14)), now=NOW
    )

    with suppress(InvalidSchedule, ScheduleOverlap):  # refusing the move is one fix
        services.add_schedule_exception(
            host=listing.host, schedule_id=schedule.pk, day=date(2026, 6, 1),
            start_time=time(10), action="move", new_time=time(13), now=NOW,
        )  # fmt: skip

    assert overlapping(listing) == []


def test_lengthening_a_listing_never_makes_its_scheduled_groups_overlap(listing):
    """A rule with starts at 10:00 and 12:00 is fine for a 90-minute listing. The host then
    edits the listing to last 180 minutes: catalog.services.update_listing accepts it without
    looking at the schedules (no overlap check, no re-sync), so the slots keep their 90-minute
    ends until the hourly materialize_schedules stretches them to 10:00-13:00 and 12:00-15:00,
    two overlapping groups (and until then guests are shown the wrong end time)."""
    services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=mondays(time(10), time(12)), now=NOW
    )
    longer = replace(ListingData.of(listing), duration_minutes=180)

    with suppress(InvalidSchedule, ScheduleOverlap):  # refusing the edit is one fix
        catalog_services.update_listing(
            host=listing.host, listing_id=listing.pk, expected_version=listing.version,
            data=longer, actor=listing.host.user, now=NOW,
        )  # fmt: skip
    services.materialize_schedules(now=NOW, horizon_days=120)

    assert overlapping(listing) == []


def test_moving_the_meeting_point_to_another_zone_moves_the_slots_with_the_wall_clock(listing):
    """Schedules are wall-clock rules in the listing's zone, materialised "in the same
    transaction as every schedule change". Moving the meeting point from Berlin to New York
    changes Listing.time_zone (validation.time_zone_at) but update_listing leaves the slots at
    the Berlin instants: a 10:00 rule is on sale at 04:00 New York time until the hourly run
    deletes and recreates the slots (and that run keeps any booked one at 04:00)."""
    services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=mondays(time(10)), now=NOW
    )
    moved = replace(
        ListingData.of(listing), latitude=40.7128, longitude=-74.0060, country_code="US"
    )

    updated = catalog_services.update_listing(
        host=listing.host, listing_id=listing.pk, expected_version=listing.version,
        data=moved, actor=listing.host.user, now=NOW,
    )  # fmt: skip

    assert updated.time_zone == "America/New_York"
    assert open_slots(updated) == [("Mon 01 10:00", "11:30"), ("Mon 08 10:00", "11:30")]


def test_a_rule_whose_starts_are_apart_on_the_wall_clock_never_overlaps_across_dst():
    """Starts at 01:30 and 03:00 of a 60-minute listing pass the overlap check (90 minutes apart
    on the wall clock, rules.overlapping_pairs). On the night clocks go forward in Berlin
    (Sunday 29 March 2026, 02:00 -> 03:00) they are 30 minutes apart in real time, so the
    01:30-02:30 (00:30-01:30 UTC) and 03:00-04:00 (01:00-02:00 UTC) slots overlap: one
    listing runs two groups at once."""
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), time_zone="Europe/Berlin", duration_minutes=60
    )
    # Refusing such a rule is one fix; skipping the later start that night another.
    with suppress(InvalidSchedule, ScheduleOverlap):
        services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=ScheduleData(
                weekdays=[6],
                start_times=[time(1, 30), time(3)],
                valid_from=date(2026, 3, 22),
                valid_until=date(2026, 4, 5),
                capacity=8,
            ),
            now=datetime(2026, 3, 20, tzinfo=UTC),
        )

    assert overlapping(listing) == []


# The other sides of the fixes above: what a duration or time zone change does when it is allowed,
# and what it refuses.


def _edit(listing, **changes):
    return catalog_services.update_listing(
        host=listing.host, listing_id=listing.pk, expected_version=listing.version,
        data=replace(ListingData.of(listing), **changes), actor=listing.host.user, now=NOW,
    )  # fmt: skip


def test_a_longer_duration_that_fits_moves_the_slots_ends_at_once(listing):
    services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=mondays(time(10), time(14)), now=NOW
    )

    _edit(listing, duration_minutes=120)

    assert open_slots(listing) == [
        ("Mon 01 10:00", "12:00"),
        ("Mon 01 14:00", "16:00"),
        ("Mon 08 10:00", "12:00"),
        ("Mon 08 14:00", "16:00"),
    ]


def test_a_longer_duration_that_would_overlap_is_refused_and_changes_nothing(listing):
    services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=mondays(time(10), time(12)), now=NOW
    )
    before = open_slots(listing)

    with pytest.raises(ScheduleOverlap) as refused:
        _edit(listing, duration_minutes=180)

    assert refused.value.fields == {
        "duration_minutes": ["10:00 and 12:00 overlap: the listing lasts 180 minutes."]
    }
    listing.refresh_from_db()
    assert (listing.duration_minutes, listing.version) == (90, 1)
    assert open_slots(listing) == before


def test_a_longer_duration_that_would_overlap_a_moved_start_is_refused(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=mondays(time(10), time(14)), now=NOW
    )
    services.add_schedule_exception(
        host=listing.host, schedule_id=schedule.pk, day=date(2026, 6, 8), start_time=time(10),
        action="move", new_time=time(12), now=NOW,
    )  # fmt: skip

    with pytest.raises(ScheduleOverlap):
        _edit(listing, duration_minutes=150)

    listing.refresh_from_db()
    assert listing.duration_minutes == 90


def test_moving_the_meeting_point_to_another_zone_is_refused_while_a_booked_date_would_move(
    listing,
):
    services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=mondays(time(10)), now=NOW
    )
    Slot.objects.filter(listing=listing, starts_at=datetime(2026, 6, 8, 8, tzinfo=UTC)).update(
        seats_taken=2
    )

    with pytest.raises(SlotHasBookings) as refused:
        _edit(listing, latitude=40.7128, longitude=-74.0060, country_code="US")

    assert "2026-06-08 10:00 (Europe/Berlin time)" in refused.value.message
    listing.refresh_from_db()
    assert (listing.time_zone, listing.version) == ("Europe/Berlin", 1)
    assert open_slots(listing) == [("Mon 01 10:00", "11:30"), ("Mon 08 10:00", "11:30")]
