"""Review (session 13): what the slot admin writes when staff save a date."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.scheduling.admin import times_of
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def slot_form(slot: Slot) -> dict[str, object]:
    """The change form's fields as it shows the date (without its version)."""
    starts = timezone.localtime(slot.starts_at)
    ends = timezone.localtime(slot.ends_at)
    return {
        "listing": slot.listing_id,
        "schedule": slot.schedule_id or "",
        "starts_at_0": f"{starts:%Y-%m-%d}",
        "starts_at_1": f"{starts:%H:%M:%S}",
        "ends_at_0": f"{ends:%Y-%m-%d}",
        "ends_at_1": f"{ends:%H:%M:%S}",
        "capacity": slot.capacity,
        "status": slot.status,
    }


def save_in_admin(client: Client, slot: Slot, **changes: object) -> None:
    # The form carries the version and the times it was opened at
    # (test_review_session15_admin.py, test_review_session16_admin.py).
    form = {
        **slot_form(slot),
        "expected_version": slot.version,
        "expected_times": times_of(slot),
        **changes,
    }
    response = client.post(reverse("admin:scheduling_slot_change", args=[slot.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_staff_saving_a_date_never_writes_its_seats_taken_back(staff_client: Client) -> None:
    """Bug: the admin saved the whole row, seats_taken as read when the form was posted; a hold
    committed between that read and the save was lost from the counter (the date could then be
    oversold). The UPDATE now names only what staff changed."""
    slot = SlotFactory.create(capacity=10)
    with CaptureQueriesContext(connection) as queries:
        save_in_admin(staff_client, slot, capacity=12)
    updates = [
        query["sql"].split(" WHERE ")[0]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "scheduling_slot"')
    ]
    assert updates
    assert not any('"seats_taken"' in update for update in updates)
    slot.refresh_from_db()
    assert slot.capacity == 12


def test_places_set_by_staff_move_the_dates_version(staff_client: Client) -> None:
    """New places from the admin refuse a host's tab still showing the old number, as another
    host edit would (the version moves); a correction of the time alone does not."""
    slot = SlotFactory.create(capacity=10)
    before = slot.version
    save_in_admin(staff_client, slot, capacity=12)
    slot.refresh_from_db()
    assert slot.version == before + 1
    # Session 16: this saved a new status; the form writes none now (cancelling is the
    # admin's action, through the bookings service): a time correction instead, as said above.
    later = timezone.localtime(slot.starts_at + timedelta(minutes=30))
    save_in_admin(staff_client, slot, starts_at_1=f"{later:%H:%M:%S}")
    slot.refresh_from_db()
    assert (slot.version, slot.starts_at) == (before + 1, later)
