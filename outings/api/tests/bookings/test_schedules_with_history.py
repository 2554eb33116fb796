"""A date some booking once named (cancelled, lapsed) cannot be deleted (Booking.slot is
protected): removing it from a schedule cancels it instead, kept as the bookings' record, and
re-adding its start reopens it. Big bookings of expensive listings fit their totals."""

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile
from outings.api.tests.bookings.support import JSON, booked, post
from outings.bookings import services as bookings_services
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.scheduling import services as scheduling
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData

pytestmark = pytest.mark.django_db


def _rule(**overrides) -> ScheduleData:
    today = timezone.now().date()
    values: dict[str, Any] = {
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "start_times": [timezone.now().replace(hour=10, minute=0, second=0, microsecond=0).time()],
        "valid_from": today + timedelta(days=2),
        "valid_until": today + timedelta(days=8),
        "capacity": 6,
    }
    values.update(overrides)
    return ScheduleData(**values)


@pytest.fixture
def scheduled(listing: Listing, host_x: HostProfile) -> tuple[Schedule, Slot]:
    schedule = scheduling.create_schedule(
        host=host_x, listing_id=listing.pk, data=_rule(), now=timezone.now()
    )
    slot = Slot.objects.filter(schedule=schedule).order_by("starts_at").first()
    assert slot is not None
    return schedule, slot


def test_deleting_a_schedule_whose_date_had_a_cancelled_booking_keeps_that_date_cancelled(
    a: Client, x: Client, listing: Listing, scheduled: tuple[Schedule, Slot]
) -> None:
    schedule, slot = scheduled
    reference = booked(a, slot, 2)
    assert post(a, f"/bookings/{reference}/cancel").status_code == 200
    slot.refresh_from_db()
    assert slot.seats_taken == 0  # nothing booked any more: delete_schedule's only check
    unbooked = Slot.objects.filter(schedule=schedule).exclude(pk=slot.pk).count()
    assert unbooked > 0

    x.raise_request_exception = False
    response = x.delete(f"/api/v1/host/listings/{listing.pk}/schedules/{schedule.pk}")

    assert response.status_code == 204, response.content
    assert not Schedule.objects.filter(pk=schedule.pk).exists()
    slot.refresh_from_db()
    assert (slot.status, slot.schedule_id) == (Slot.Status.CANCELLED, None)
    assert Booking.objects.get(reference=reference).slot_id == slot.pk
    assert list(Slot.objects.filter(listing=listing)) == [slot]  # the others are gone


def test_a_date_dropped_and_added_again_is_the_same_slot_reopened(
    a: Client, host_x: HostProfile, listing: Listing, scheduled: tuple[Schedule, Slot]
) -> None:
    schedule, slot = scheduled
    reference = booked(a, slot, 2)
    assert post(a, f"/bookings/{reference}/cancel").status_code == 200
    day = slot.starts_at.astimezone(ZoneInfo(listing.time_zone)).weekday()
    now = timezone.now()
    every_day = _rule()

    scheduling.update_schedule(
        host=host_x,
        schedule_id=schedule.pk,
        data=_rule(weekdays=[d for d in range(7) if d != day]),
        now=now,
    )
    slot.refresh_from_db()
    assert (slot.status, slot.schedule_id) == (Slot.Status.CANCELLED, None)

    scheduling.update_schedule(host=host_x, schedule_id=schedule.pk, data=every_day, now=now)

    slot.refresh_from_db()
    assert (slot.status, slot.schedule_id) == (Slot.Status.OPEN, schedule.pk)
    assert Slot.objects.filter(listing=listing, starts_at=slot.starts_at).count() == 1


def test_updating_a_schedule_to_drop_a_date_that_had_a_cancelled_booking_is_not_a_500(
    a: Client, x: Client, listing: Listing, scheduled: tuple[Schedule, Slot]
) -> None:
    schedule, slot = scheduled
    reference = booked(a, slot, 2)
    assert post(a, f"/bookings/{reference}/cancel").status_code == 200
    day = slot.starts_at.astimezone(ZoneInfo(listing.time_zone)).weekday()
    others = [d for d in range(7) if d != day]
    rule = _rule(weekdays=others)
    body = {
        "kind": "weekly",
        "weekdays": others,
        "start_times": [rule.start_times[0].strftime("%H:%M")],
        "valid_from": rule.valid_from.isoformat(),
        "valid_until": str(rule.valid_until),
        "capacity": 6,
        "version": schedule.version,
    }
    x.raise_request_exception = False
    response = x.put(
        f"/api/v1/host/listings/{listing.pk}/schedules/{schedule.pk}", body, content_type=JSON
    )
    assert response.status_code == 200, response.content
    slot.refresh_from_db()
    assert (slot.status, slot.schedule_id) == (Slot.Status.CANCELLED, None)


def test_a_big_booking_of_an_expensive_listing_is_not_a_500(a: Client, host_x: HostProfile) -> None:
    """The host may set any price up to MAX_PRICE (100 000 000 minor units) and groups up to
    500; a booking's total_price is a 32-bit PositiveIntegerField."""
    from outings.api.tests.bookings.support import book
    from outings.catalog.services import MAX_PRICE
    from outings.catalog.tests.factories import ListingFactory, SlotFactory

    listing = ListingFactory.create(host=host_x, price_amount=MAX_PRICE, max_group_size=50)
    slot = SlotFactory.create(listing=listing, capacity=50)
    a.raise_request_exception = False

    response = book(a, slot, seats=22)  # 22 x 100 000 000 > 2**31 - 1

    assert response.status_code == 201, response.content
    assert response.json()["total_price"] == 22 * MAX_PRICE
    slot.refresh_from_db()
    assert slot.seats_taken == 22


def test_cancelling_a_day_where_a_checkout_was_abandoned_is_not_a_500(
    a: Client, x: Client, listing: Listing, scheduled: tuple[Schedule, Slot]
) -> None:
    """Not even a cancellation is needed: a hold that simply lapsed leaves a Booking row, and
    Booking.slot is PROTECT."""
    schedule, slot = scheduled
    reference = booked(a, slot, 2)
    booking = Booking.objects.get(reference=reference)
    assert booking.expires_at is not None
    assert bookings_services.expire_booking(
        booking_id=booking.pk, now=booking.expires_at + timedelta(seconds=1)
    )
    local_day = slot.starts_at.astimezone(ZoneInfo(listing.time_zone)).date()
    x.raise_request_exception = False
    response = x.post(
        f"/api/v1/host/listings/{listing.pk}/schedules/{schedule.pk}/exceptions",
        {"day": local_day.isoformat(), "action": "cancel"},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    slot.refresh_from_db()
    assert (slot.status, slot.schedule_id) == (Slot.Status.CANCELLED, None)
    assert Booking.objects.get(reference=reference).status == Booking.Status.EXPIRED
