from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, SlotFactory
from outings.common.errors import NotFound
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import (
    CapacityBelowSeatsTaken,
    InvalidSchedule,
    ScheduleData,
    ScheduleOverlap,
    SlotHasBookings,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def listing():
    return ListingFactory.create(
        host=HostProfileFactory.create(), time_zone="Europe/Berlin", duration_minutes=90
    )


def weekly(**overrides: Any) -> ScheduleData:
    values: dict[str, Any] = {
        "weekdays": [0, 2],
        "start_times": [time(10)],
        "valid_from": date(2026, 6, 1),
        "valid_until": date(2026, 6, 14),
        "capacity": 8,
    }
    values.update(overrides)
    return ScheduleData(**values)


def local_starts(listing, **filters):
    zone = ZoneInfo(listing.time_zone)
    return [
        s.starts_at.astimezone(zone).strftime("%a %d %H:%M")
        for s in Slot.objects.filter(listing=listing, **filters).order_by("starts_at")
    ]


def test_a_weekly_rule_is_materialised_in_local_time(listing):
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW)

    assert local_starts(listing) == ["Mon 01 10:00", "Wed 03 10:00", "Mon 08 10:00", "Wed 10 10:00"]
    slot = Slot.objects.order_by("starts_at").first()
    assert slot is not None
    assert slot.starts_at == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # CEST is UTC+2
    assert (slot.capacity, slot.ends_at - slot.starts_at) == (8, timedelta(minutes=90))


def test_a_one_off_date_gets_its_slots(listing):
    services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind=Schedule.Kind.ONCE,
            valid_from=date(2026, 6, 5),
            start_times=[time(18), time(14)],
            capacity=4,
        ),
        now=NOW,
    )

    assert local_starts(listing) == ["Fri 05 14:00", "Fri 05 18:00"]
    schedule = Schedule.objects.get()
    assert (schedule.weekdays, schedule.valid_until) == ([4], date(2026, 6, 5))


def test_materialising_is_idempotent(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )

    again = services.sync_schedule_slots(schedule=schedule, now=NOW, horizon_days=120)
    periodic = services.materialize_schedules(now=NOW, horizon_days=120)

    assert (again.created, again.removed) == (0, 0)
    assert (periodic.created, periodic.removed) == (0, 0)
    assert Slot.objects.count() == 4


def test_the_periodic_run_moves_the_horizon_forward(listing, settings):
    settings.SCHEDULE_HORIZON_DAYS = 7
    services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(valid_until=None), now=NOW
    )
    assert local_starts(listing) == ["Mon 01 10:00", "Wed 03 10:00", "Mon 08 10:00"]

    result = services.materialize_schedules(now=NOW + timedelta(days=7), horizon_days=7)

    assert result.created == 2  # Wed 10, Mon 15
    assert Slot.objects.count() == 5


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"valid_until": date(2026, 5, 1)}, "valid_until"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [7]}, "weekdays"),
        ({"start_times": []}, "start_times"),
        ({"start_times": [time(10), time(11)]}, "start_times"),  # 90 minutes: they overlap
        ({"capacity": 0}, "capacity"),
        ({"capacity": 100_000}, "capacity"),
    ],
)
def test_invalid_rules_are_refused_and_nothing_is_created(listing, overrides, field):
    with pytest.raises(InvalidSchedule) as caught:
        services.create_schedule(
            host=listing.host, listing_id=listing.pk, data=weekly(**overrides), now=NOW
        )

    assert field in caught.value.fields
    assert not Schedule.objects.exists()
    assert not Slot.objects.exists()


def test_overlapping_rules_are_refused(listing):
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW)

    with pytest.raises(ScheduleOverlap):
        services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=weekly(weekdays=[2, 4], start_times=[time(11)]),
            now=NOW,
        )

    assert Schedule.objects.count() == 1


def test_rules_on_other_days_or_times_do_not_overlap(listing):
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW)

    services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(weekdays=[1]), now=NOW
    )
    services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(start_times=[time(14)]), now=NOW
    )

    assert Schedule.objects.count() == 3


def test_a_cancelled_day_and_a_moved_time_change_the_slots(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )

    services.add_schedule_exception(
        host=listing.host,
        schedule_id=schedule.pk,
        day=date(2026, 6, 3),
        start_time=None,
        action="cancel",
        new_time=None,
        now=NOW,
    )
    services.add_schedule_exception(
        host=listing.host,
        schedule_id=schedule.pk,
        day=date(2026, 6, 8),
        start_time=time(10),
        action="move",
        new_time=time(15, 30),
        now=NOW,
    )

    assert local_starts(listing) == ["Mon 01 10:00", "Mon 08 15:30", "Wed 10 10:00"]

    services.remove_schedule_exception(
        host=listing.host,
        exception_id=ScheduleException.objects.get(action="cancel").pk,
        now=NOW,
    )
    assert local_starts(listing) == ["Mon 01 10:00", "Wed 03 10:00", "Mon 08 15:30", "Wed 10 10:00"]


def test_an_exception_that_would_remove_a_booked_slot_is_refused(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )
    Slot.objects.filter(starts_at=datetime(2026, 6, 3, 8, tzinfo=UTC)).update(seats_taken=2)

    with pytest.raises(SlotHasBookings):
        services.add_schedule_exception(
            host=listing.host,
            schedule_id=schedule.pk,
            day=date(2026, 6, 3),
            start_time=None,
            action="cancel",
            new_time=None,
            now=NOW,
        )

    assert not ScheduleException.objects.exists()
    assert Slot.objects.count() == 4


def test_an_exception_on_a_day_the_rule_does_not_run_is_refused(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )

    with pytest.raises(InvalidSchedule) as caught:
        services.add_schedule_exception(
            host=listing.host,
            schedule_id=schedule.pk,
            day=date(2026, 6, 2),
            start_time=None,
            action="cancel",
            new_time=None,
            now=NOW,
        )

    assert "day" in caught.value.fields


def test_a_start_moved_to_a_time_with_seconds_is_refused(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )

    with pytest.raises(InvalidSchedule) as caught:
        services.add_schedule_exception(
            host=listing.host,
            schedule_id=schedule.pk,
            day=date(2026, 6, 1),
            start_time=time(10),
            action="move",
            new_time=time(11, 0, 30),
            now=NOW,
        )

    assert "new_time" in caught.value.fields
    assert not ScheduleException.objects.exists()


def test_a_schedule_starting_more_than_ten_years_ahead_is_refused(listing):
    with pytest.raises(InvalidSchedule) as caught:
        services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=weekly(valid_from=date(2036, 7, 1), valid_until=None),
            now=NOW,
        )

    assert "valid_from" in caught.value.fields
    assert not Schedule.objects.exists()


def test_shrinking_capacity_below_seats_taken_is_refused_with_a_clear_message(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )
    Slot.objects.filter(starts_at=datetime(2026, 6, 3, 8, tzinfo=UTC)).update(seats_taken=6)

    with pytest.raises(CapacityBelowSeatsTaken) as caught:
        services.update_schedule(
            host=listing.host, schedule_id=schedule.pk, data=weekly(capacity=4), now=NOW
        )

    assert caught.value.message == (
        "6 seats are already taken on 2026-06-03 10:00: capacity cannot go below 6."
    )
    assert set(Slot.objects.values_list("capacity", flat=True)) == {8}


def test_growing_and_shrinking_capacity_above_seats_taken_changes_future_slots(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )
    Slot.objects.filter(starts_at=datetime(2026, 6, 3, 8, tzinfo=UTC)).update(seats_taken=3)

    services.update_schedule(
        host=listing.host, schedule_id=schedule.pk, data=weekly(capacity=3), now=NOW
    )

    assert set(Slot.objects.values_list("capacity", flat=True)) == {3}


def test_changing_a_rule_removes_unbooked_slots_and_refuses_to_drop_booked_ones(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )

    services.update_schedule(
        host=listing.host, schedule_id=schedule.pk, data=weekly(weekdays=[0]), now=NOW
    )
    assert local_starts(listing) == ["Mon 01 10:00", "Mon 08 10:00"]

    Slot.objects.filter(starts_at=datetime(2026, 6, 8, 8, tzinfo=UTC)).update(seats_taken=1)
    with pytest.raises(SlotHasBookings):
        services.update_schedule(
            host=listing.host, schedule_id=schedule.pk, data=weekly(weekdays=[2]), now=NOW
        )
    assert local_starts(listing) == ["Mon 01 10:00", "Mon 08 10:00"]
    assert Schedule.objects.get().weekdays == [0]


def test_a_single_slot_capacity_cannot_go_below_its_seats_taken(listing):
    slot = SlotFactory.create(listing=listing, capacity=10, seats_taken=7)

    with pytest.raises(CapacityBelowSeatsTaken):
        services.change_slot_capacity(host=listing.host, slot_id=slot.pk, capacity=6, now=NOW)
    changed = services.change_slot_capacity(host=listing.host, slot_id=slot.pk, capacity=7, now=NOW)

    assert changed.capacity == 7


def test_a_deleted_schedule_takes_its_unbooked_future_slots_with_it(listing):
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )

    services.delete_schedule(host=listing.host, schedule_id=schedule.pk, now=NOW)

    assert not Schedule.objects.exists()
    assert not Slot.objects.exists()


def test_another_hosts_listing_schedule_and_slot_are_not_found(listing):
    stranger = HostProfileFactory.create()
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )
    slot = Slot.objects.get(starts_at=datetime(2026, 6, 1, 8, tzinfo=UTC))

    with pytest.raises(NotFound):
        services.create_schedule(host=stranger, listing_id=listing.pk, data=weekly(), now=NOW)
    with pytest.raises(NotFound):
        services.update_schedule(host=stranger, schedule_id=schedule.pk, data=weekly(), now=NOW)
    with pytest.raises(NotFound):
        services.delete_schedule(host=stranger, schedule_id=schedule.pk, now=NOW)
    with pytest.raises(NotFound):
        services.change_slot_capacity(host=stranger, slot_id=slot.pk, capacity=1, now=NOW)
    assert Schedule.objects.count() == 1


# (zone, the Sunday clocks go forward, the Sunday clocks go back) in 2026.
TRANSITIONS = [
    ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
    ("Europe/Berlin", date(2026, 3, 29), date(2026, 10, 25)),
    ("Australia/Sydney", date(2026, 10, 4), date(2026, 4, 5)),
]


@pytest.mark.parametrize(("zone_name", "spring", "autumn"), TRANSITIONS)
def test_a_nine_oclock_rule_stays_at_nine_local_across_both_transitions(zone_name, spring, autumn):
    zone = ZoneInfo(zone_name)
    listing = ListingFactory.create(time_zone=zone_name, duration_minutes=60)
    for change in (spring, autumn):
        now = datetime.combine(change - timedelta(days=1), time(0), tzinfo=zone)
        services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=weekly(
                weekdays=[5, 6, 0],
                start_times=[time(9)],
                valid_from=change - timedelta(days=1),
                valid_until=change + timedelta(days=1),
                capacity=5,
            ),
            now=now,
        )

    starts = [s.starts_at.astimezone(zone) for s in Slot.objects.order_by("starts_at")]
    assert len(starts) == 6
    assert {(s.hour, s.minute) for s in starts} == {(9, 0)}
    for change in (spring, autumn):
        around = [s for s in starts if abs((s.date() - change).days) <= 1]
        assert len({s.utcoffset() for s in around}) == 2  # the UTC instant moved with the clock


def test_a_one_off_date_in_the_spring_gap_is_refused_and_a_repeated_time_taken_once():
    listing = ListingFactory.create(time_zone="Europe/Berlin", duration_minutes=30)

    def once(day: date) -> Schedule:
        return services.create_schedule(
            host=listing.host,
            listing_id=listing.pk,
            data=ScheduleData(
                kind=Schedule.Kind.ONCE, valid_from=day, start_times=[time(2, 30)], capacity=3
            ),
            now=datetime.combine(day - timedelta(days=10), time(0), tzinfo=UTC),
        )

    # 29 March: 02:30 does not exist; a one-off date there would make no date at all.
    with pytest.raises(InvalidSchedule) as refused:
        once(date(2026, 3, 29))
    assert refused.value.fields == {
        "start_times": [
            "02:30 does not exist on 2026-03-29 in Europe/Berlin: the clocks go forward."
        ]
    }
    assert not Schedule.objects.exists()
    # 25 October: 02:30 happens twice; the first (CEST) is used.
    once(date(2026, 10, 25))
    assert list(Slot.objects.values_list("starts_at", flat=True)) == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    ]


def test_a_weekly_rule_skips_the_spring_gap_without_refusing_the_rule(listing):
    services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=weekly(
            weekdays=[6],
            start_times=[time(2, 30)],
            valid_from=date(2026, 3, 22),
            valid_until=date(2026, 4, 5),
        ),
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )

    assert local_starts(listing) == ["Sun 22 02:30", "Sun 05 02:30"]  # none on Sunday 29 March


def test_a_listing_far_from_the_servers_zone_uses_its_own_today_and_clock(settings):
    assert settings.TIME_ZONE == "UTC"
    listing = ListingFactory.create(time_zone="Pacific/Auckland", duration_minutes=60)
    # 2026-06-01 20:00 UTC is already Tuesday 2 June 08:00 in Auckland (NZST, UTC+12).
    now = datetime(2026, 6, 1, 20, 0, tzinfo=UTC)

    services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=weekly(weekdays=[0, 1], start_times=[time(9)], valid_from=date(2026, 6, 1)),
        now=now,
    )

    starts = list(Slot.objects.order_by("starts_at").values_list("starts_at", flat=True))
    # Monday 1 June 09:00 Auckland is long past; Tuesday 2 June 09:00 is still ahead.
    assert starts[0] == datetime(2026, 6, 1, 21, 0, tzinfo=UTC)
    assert starts[0].astimezone(ZoneInfo("Pacific/Auckland")).strftime("%a %H:%M") == "Tue 09:00"
    assert timezone.now()  # the server's clock plays no part: `now` is passed in


def test_a_single_slot_capacity_cannot_go_below_the_smallest_group(listing):
    listing.min_group_size = 3
    listing.save(update_fields=["min_group_size"])
    slot = SlotFactory.create(listing=listing, capacity=10)

    with pytest.raises(InvalidSchedule) as caught:
        services.change_slot_capacity(host=listing.host, slot_id=slot.pk, capacity=2, now=NOW)

    assert caught.value.fields == {"capacity": ["At least the smallest group size (3)."]}
    slot.refresh_from_db()
    assert slot.capacity == 10
