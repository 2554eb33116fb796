"""The periodic run (beat, hourly) that keeps every schedule's slots up to the horizon:
services.materialize_schedules, which brings each schedule in line through sync_schedule_slots."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.catalog.models import Listing
from outings.catalog.tests.factories import category
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.services import SyncResult, materialize_schedules

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, midnight in Toronto: the listing's local today is the 23rd.
MONDAY = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)


@pytest.fixture
def listing() -> Listing:
    user = User.objects.create(username="host", email="host@example.org")
    host = HostProfile.objects.create(user=user, display_name="Host")
    return Listing.objects.create(
        host=host,
        category=category("tours"),
        title="Harbour walk",
        time_zone="America/Toronto",
        duration_minutes=90,
        status=Listing.Status.PUBLISHED,
    )


def test_materializing_twice_creates_each_slot_once(listing):
    Schedule.objects.create(
        listing=listing,
        weekdays=[0, 2],
        start_times=[time(10)],
        valid_from=date(2026, 11, 1),
        capacity=12,
    )

    first = materialize_schedules(now=MONDAY, horizon_days=13)
    second = materialize_schedules(now=MONDAY, horizon_days=13)

    # Mon 23, Wed 25, Mon 30 Nov, Wed 2 Dec
    assert first == SyncResult(created=4, removed=0, kept_booked=0)
    assert second == SyncResult(created=0, removed=0, kept_booked=0)
    assert Slot.objects.filter(listing=listing).count() == 4
    slot = Slot.objects.order_by("starts_at").first()
    assert slot is not None
    assert slot.ends_at - slot.starts_at == timedelta(minutes=90)
    assert slot.capacity == 12


def test_materializing_leaves_seats_already_taken_alone(listing):
    Schedule.objects.create(
        listing=listing,
        weekdays=[0],
        start_times=[time(10)],
        valid_from=date(2026, 11, 1),
        capacity=12,
    )
    materialize_schedules(now=MONDAY, horizon_days=6)
    Slot.objects.update(seats_taken=5)

    materialize_schedules(now=MONDAY, horizon_days=6)

    assert list(Slot.objects.values_list("seats_taken", flat=True)) == [5]


def test_the_database_refuses_an_oversold_slot(listing):
    start = timezone.now() + timedelta(days=1)
    slot = Slot.objects.create(
        listing=listing,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=10,
        seats_taken=10,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(seats_taken=11)

    slot.refresh_from_db()
    assert slot.seats_taken == 10


def test_a_schedule_stops_at_its_last_valid_day(listing):
    Schedule.objects.create(
        listing=listing,
        weekdays=list(range(7)),
        start_times=[time(9)],
        valid_from=date(2026, 11, 20),
        valid_until=date(2026, 11, 25),
        capacity=4,
    )

    result = materialize_schedules(now=MONDAY, horizon_days=30)

    assert result.created == 3  # 23, 24, 25 November
