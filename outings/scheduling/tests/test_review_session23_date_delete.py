"""Review (session 23): staff deleting a rule's date in the slot admin (Scheduling → Slots,
one date or several chosen). The row went and nothing else: the rule still made that start, so
the next hourly run (materialize_schedules) made the date again, open for sale, and the listing
page offered it as if staff had never deleted it. A date staff delete now leaves its rule first,
as one whose times they correct does (scheduling.services.delete_slot_as_staff: the day's start
cancelled on the rule, as a host's skipped date), so it stays deleted."""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin.models import DELETION, LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.bookings import services as bookings
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.services import materialize_schedules
from outings.scheduling.tests.test_review_session15_admin import staff_client
from outings.scheduling.tests.test_review_session16_admin import a_rules_date

__all__ = ["staff_client"]  # a fixture

pytestmark = pytest.mark.django_db


def delete_one(client: Client, slot: Slot) -> Any:
    url = reverse("admin:scheduling_slot_delete", args=[slot.pk])
    return client.post(url, {"post": "yes"}, follow=True)


def delete_chosen(client: Client, slot: Slot) -> Any:
    return client.post(
        reverse("admin:scheduling_slot_changelist"),
        {"action": "delete_selected", "_selected_action": [slot.pk], "post": "yes"},
        follow=True,
    )


def hourly_run() -> None:
    materialize_schedules(now=timezone.now(), horizon_days=settings.SCHEDULE_HORIZON_DAYS)


@pytest.mark.parametrize("delete", [delete_one, delete_chosen])
def test_a_rules_date_staff_delete_is_not_made_again(staff_client: Client, delete: Any) -> None:
    """Bug: the hourly run made the deleted date again, open."""
    slot = a_rules_date()
    assert slot.schedule_id is not None
    rule = Schedule.objects.get(pk=slot.schedule_id)

    response = delete(staff_client, slot)
    hourly_run()

    assert response.status_code == 200
    assert not Slot.objects.filter(listing_id=slot.listing_id).exists()
    assert LogEntry.objects.filter(action_flag=DELETION, object_id=str(slot.pk)).exists()
    start = timezone.localtime(slot.starts_at, timezone.get_fixed_timezone(0))
    [skipped] = ScheduleException.objects.filter(schedule=rule)
    assert (skipped.day, skipped.start_time, skipped.action) == (
        start.date(),
        start.time(),
        ScheduleException.Action.CANCEL,
    )


def test_a_date_made_by_hand_staff_delete_just_goes(staff_client: Client) -> None:
    """The control: a date no rule makes is deleted as before; no rule is touched."""
    slot = SlotFactory.create(starts_at=timezone.now() + timedelta(days=5))

    response = delete_one(staff_client, slot)
    hourly_run()

    assert response.status_code == 200
    assert not Slot.objects.filter(pk=slot.pk).exists()
    assert not ScheduleException.objects.exists()


def test_a_booked_rules_date_is_protected_and_its_rule_left_as_it_is(staff_client: Client) -> None:
    """The control: a date its bookings name is refused by Django's page, nothing deleted, and
    its rule still makes it."""
    slot = a_rules_date()
    bookings.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=timezone.now())

    response = delete_one(staff_client, slot)

    assert response.status_code == 200
    assert "Cannot delete" in response.content.decode()
    assert Slot.objects.filter(pk=slot.pk, schedule__isnull=False, status="open").exists()
    assert not ScheduleException.objects.exists()
