"""Host pages given crafted form posts: refused cleanly, nothing changed."""

from datetime import time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import (
    ListingFactory,
    ScheduleFactory,
    SlotFactory,
    UserFactory,
)
from outings.scheduling.models import Schedule, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


@pytest.fixture
def browser(host) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(host.user)
    return client


def test_cancelling_a_booked_slot_with_a_nul_in_the_reason_is_refused_cleanly(browser, host):
    listing = ListingFactory.create(host=host)
    slot = SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=3))
    booking = services.hold_seats(
        guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=timezone.now()
    )

    response = browser.post(
        f"/host/listings/{listing.pk}/slots/{slot.pk}/", {"action": "cancel", "reason": "rain\x00"}
    )

    assert response.status_code in (302, 400)
    slot.refresh_from_db()
    booking.refresh_from_db()
    assert slot.status == Slot.Status.OPEN
    assert booking.status == Booking.Status.HELD


def test_a_one_off_date_at_the_end_of_the_calendar_is_a_form_error(browser, host):
    listing = ListingFactory.create(host=host)
    ScheduleFactory.create(listing=listing, weekdays=[0, 2, 4], start_times=[time(10)])

    response = browser.post(
        f"/host/listings/{listing.pk}/schedules/",
        {"kind": "once", "start_times": "10:00", "valid_from": "9999-12-31", "capacity": "5"},
    )

    assert response.status_code == 400
    assert Schedule.objects.count() == 1
