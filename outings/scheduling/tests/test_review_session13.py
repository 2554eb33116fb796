"""Review of the offering area (session 13): dates a host adds that do not appear when expected.
Each test failed on the code it was written against."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.conf import settings

from outings.scheduling import services
from outings.scheduling.models import Slot
from outings.scheduling.rules import ScheduleData
from outings.scheduling.tests.test_review_offer import listing

__all__ = ["listing"]  # the fixture, from the first review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday, 08:00 in Berlin
FAR = date(2026, 6, 1) + timedelta(days=settings.SCHEDULE_HORIZON_DAYS + 60)  # 2026-11-28


def one_off(day: date) -> ScheduleData:
    return ScheduleData(kind="once", start_times=[time(10)], valid_from=day, capacity=8)


def test_a_one_off_date_beyond_the_horizon_is_bookable_at_once(listing):
    """A host adds a one-off date six months ahead (the form and the API take it: a rule may
    start up to ten years ahead) and sees "No dates yet": sync_schedule_slots only made slots up
    to SCHEDULE_HORIZON_DAYS, so the date got its slot two months later, when the hourly run's
    horizon reached it. A one-off date is a single day: it is made with the schedule."""
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=one_off(FAR), now=NOW)

    slots = list(Slot.objects.filter(listing=listing))
    assert [(s.starts_at, s.status) for s in slots] == [
        (datetime(2026, 11, 28, 9, 0, tzinfo=UTC), Slot.Status.OPEN)  # 10:00 CET
    ]


def test_the_hourly_run_keeps_a_one_off_date_beyond_the_horizon(listing):
    """The periodic run compares a schedule's future slots with the ones it wants up to the
    horizon; a one-off date beyond it must not be taken for one no longer wanted."""
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=one_off(FAR), now=NOW)

    result = services.materialize_schedules(
        now=NOW + timedelta(hours=1), horizon_days=settings.SCHEDULE_HORIZON_DAYS
    )

    assert result.removed == 0
    assert Slot.objects.filter(listing=listing, status=Slot.Status.OPEN).count() == 1
