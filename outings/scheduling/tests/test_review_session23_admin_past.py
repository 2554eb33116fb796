"""Review (session 23): staff correcting a date's times in the slot admin could move a date to
come to a start that had gone by (two hours ago): saved, its guests told their date had moved
to a time already past, their bookings then of a date they could never attend, while a host's
moved start to such a time is refused ("09:00 on … has gone by."). And a date that had begun
could be moved ahead, open for sale again with the bookings of a date already under way. Both
are now refused on the form, nothing saved, nobody told; times of a date to come moved to
another time to come are saved as before."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form, staff_client

__all__ = ["staff_client"]  # a fixture

pytestmark = pytest.mark.django_db


def booked_date(starts_at: datetime) -> tuple[Slot, Booking]:
    slot = SlotFactory.create(starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90))
    guest = UserFactory.create()
    now = min(timezone.now(), starts_at - timedelta(minutes=1))
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=now)
    return slot, booking


def move(client: Client, slot: Slot, starts_at: datetime) -> str:
    """Staff set the date's times to `starts_at` and 90 minutes on; the page shown again
    (refused), or "" (saved)."""
    start = timezone.localtime(starts_at)
    end = start + timedelta(minutes=90)
    form = open_form(client, slot)
    response = client.post(
        change_url(slot),
        {
            **form,
            "starts_at_0": f"{start:%Y-%m-%d}",
            "starts_at_1": f"{start:%H:%M:%S}",
            "ends_at_0": f"{end:%Y-%m-%d}",
            "ends_at_1": f"{end:%H:%M:%S}",
        },
    )
    if response.status_code == 302:
        return ""
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_a_date_to_come_is_not_moved_to_a_start_gone_by(staff_client: Client) -> None:
    """Bug: saved, and its guest told their date had moved to two hours ago."""
    slot, booking = booked_date(timezone.now() + timedelta(days=3))
    sent = OutboxMessage.objects.count()

    page = move(staff_client, slot, timezone.now() - timedelta(hours=2))

    assert "A date cannot be moved to a time that has gone by." in page
    assert Slot.objects.get(pk=slot.pk).starts_at == slot.starts_at
    assert OutboxMessage.objects.count() == sent
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_a_date_that_has_begun_is_not_moved_ahead(staff_client: Client) -> None:
    """Bug: moved to the day after tomorrow, open for sale again."""
    slot, _ = booked_date(timezone.now() - timedelta(minutes=30))
    sent = OutboxMessage.objects.count()

    page = move(staff_client, slot, timezone.now() + timedelta(days=2))

    assert "This date has started: its times cannot change." in page
    assert Slot.objects.get(pk=slot.pk).starts_at == slot.starts_at
    assert OutboxMessage.objects.count() == sent


def test_a_date_to_come_moved_to_another_time_to_come_is_saved(staff_client: Client) -> None:
    """The control."""
    slot, _ = booked_date(timezone.now() + timedelta(days=3))
    later = (slot.starts_at + timedelta(hours=2)).replace(microsecond=0)

    page = move(staff_client, slot, later)

    assert page == ""
    assert Slot.objects.get(pk=slot.pk).starts_at == later
