"""Session 20: a listing whose stored time zone is no IANA name (older data, written before the
field was checked; here by a raw UPDATE) must not make scheduling fail with a 500. Every
scheduling service read the zone with ZoneInfo(), which raises ZoneInfoNotFoundError; they now
fall back to UTC (common.zones.zone_or_utc), as the pages and mails that show the times do."""

from datetime import UTC, date, datetime, time

import pytest
from django.db import connection
from django.test import Client

from outings.accounts.models import HostProfile
from outings.bookings import services as bookings
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory
from outings.common.outbox.testing import deliver
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import CapacityBelowSeatsTaken, ScheduleData

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday
BAD = "Europe/Berln"  # a typo


def _with_bad_zone(listing: Listing) -> Listing:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_listing SET time_zone = %s WHERE id = %s", [BAD, listing.pk])
    listing.refresh_from_db()
    assert listing.time_zone == BAD
    return listing


@pytest.fixture
def listing() -> Listing:
    host = HostProfileFactory.create()
    made = ListingFactory.create(host=host, time_zone="Europe/Berlin", duration_minutes=90)
    return _with_bad_zone(made)


def _weekly() -> ScheduleData:
    return ScheduleData(
        weekdays=[0, 2],
        start_times=[time(10)],
        valid_from=date(2026, 6, 1),
        valid_until=date(2026, 6, 7),
        capacity=8,
    )


def _starts(listing: Listing) -> list[datetime]:
    slots = Slot.objects.filter(listing=listing, status=Slot.Status.OPEN).order_by("starts_at")
    return list(slots.values_list("starts_at", flat=True))


def test_a_rule_of_a_listing_with_a_bad_zone_is_made_in_utc(listing: Listing) -> None:
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=_weekly(), now=NOW)

    assert _starts(listing) == [
        datetime(2026, 6, 1, 10, 0, tzinfo=UTC),
        datetime(2026, 6, 3, 10, 0, tzinfo=UTC),
    ]


def test_the_hourly_run_makes_the_dates_of_a_listing_with_a_bad_zone(listing: Listing) -> None:
    Schedule.objects.create(listing=listing, **_weekly().values())

    services.materialize_schedules(now=NOW, horizon_days=6)

    assert _starts(listing) == [
        datetime(2026, 6, 1, 10, 0, tzinfo=UTC),
        datetime(2026, 6, 3, 10, 0, tzinfo=UTC),
    ]


def test_an_exception_moving_a_start_works_with_a_bad_zone(listing: Listing) -> None:
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=_weekly(), now=NOW
    )

    services.add_schedule_exception(
        host=listing.host,
        schedule_id=schedule.pk,
        day=date(2026, 6, 3),
        start_time=time(10),
        action=ScheduleException.Action.MOVE,
        new_time=time(15),
        now=NOW,
    )

    assert _starts(listing) == [
        datetime(2026, 6, 1, 10, 0, tzinfo=UTC),
        datetime(2026, 6, 3, 15, 0, tzinfo=UTC),
    ]


def test_a_capacity_below_the_seats_taken_is_refused_with_a_bad_zone(listing: Listing) -> None:
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=_weekly(), now=NOW)
    slot = Slot.objects.filter(listing=listing).earliest("starts_at")
    Slot.objects.filter(pk=slot.pk).update(seats_taken=5)

    with pytest.raises(CapacityBelowSeatsTaken) as refused:
        services.change_slot_capacity(
            host=listing.host, slot_id=slot.pk, capacity=3, expected_version=None, now=NOW
        )

    assert refused.value.message == (
        "5 seats are already taken on 2026-06-01 10:00: capacity cannot go below 5."
    )
    slot.refresh_from_db()
    assert slot.capacity == 8


def test_the_smallest_capacity_of_a_listing_with_a_bad_zone(listing: Listing) -> None:
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=_weekly(), now=NOW)

    assert services.smallest_capacity(listing=listing, now=NOW) == 8


def test_mending_a_bad_zone_keeps_the_dates_at_the_times_they_showed(listing: Listing) -> None:
    """The pages showed the dates in UTC (the fallback): the mended zone keeps them there on the
    clock, as any change of zone does."""
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=_weekly(), now=NOW)
    Listing.objects.filter(pk=listing.pk).update(time_zone="Europe/Berlin")
    listing.refresh_from_db()

    services.follow_listing_change(listing=listing, previous_time_zone=BAD, now=NOW)

    assert _starts(listing) == [
        datetime(2026, 6, 1, 8, 0, tzinfo=UTC),  # 10:00 CEST
        datetime(2026, 6, 3, 8, 0, tzinfo=UTC),
    ]


def test_staff_correcting_a_dates_start_with_a_bad_zone(listing: Listing) -> None:
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=_weekly(), now=NOW)
    slot = Slot.objects.filter(listing=listing).earliest("starts_at")
    was = slot.starts_at
    Slot.objects.filter(pk=slot.pk).update(starts_at=datetime(2026, 6, 1, 11, 0, tzinfo=UTC))

    services.times_corrected(slot_id=slot.pk, was_starts_at=was)

    slot.refresh_from_db()
    assert slot.schedule_id is None
    assert list(
        ScheduleException.objects.filter(schedule__listing=listing).values_list(
            "day", "start_time", "action"
        )
    ) == [(date(2026, 6, 1), time(10), ScheduleException.Action.CANCEL)]


def test_the_host_schedules_page_shows_with_a_bad_zone(listing: Listing) -> None:
    host: HostProfile = listing.host
    client = Client()
    client.force_login(host.user)

    assert client.get(f"/host/listings/{listing.pk}/schedules/").status_code == 200


def test_a_booking_on_a_listing_with_a_bad_zone_is_counted_when_announced(
    listing: Listing, nudges: list[str]
) -> None:
    """The worker announcing a confirmation counts it on the listing's day (stats.day_of)."""
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=_weekly(), now=NOW)
    slot = Slot.objects.filter(listing=listing).earliest("starts_at")
    Listing.objects.filter(pk=listing.pk).update(instant_booking=True)
    guest = UserFactory.create()
    held = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=NOW)
    bookings.confirm_booking(guest=guest, reference=held.reference, now=NOW)

    deliver("urgent")

    held.refresh_from_db()
    assert held.counted_on is not None
