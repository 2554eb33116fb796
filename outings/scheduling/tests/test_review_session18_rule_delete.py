"""Review (session 18): staff deleting a rule in the admin (Scheduling → Schedules). The row went
and nothing else: its dates to come stayed open, no longer any rule's (Slot.schedule is SET
NULL), as if made by hand, and a booked one kept its guests on a rule that no longer existed.
The admin's delete, of one rule or of several chosen, now goes through the service a host's
removal does (scheduling.services.delete_schedule_as_staff): the rule's unbooked dates to come
go with it, and a rule with bookings to come is refused with why, nothing changed. A listing's
deletion still deletes its rules (Django checks the delete permission of cascaded objects)."""

from typing import Any

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.bookings import services as bookings
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.tests.support import stored
from outings.scheduling.tests.test_review_session15_admin import staff_client
from outings.scheduling.tests.test_review_session16_admin import a_rules_date

__all__ = ["staff_client"]  # a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

EVERYTHING = (Slot, Schedule, ScheduleException, Booking, WaitlistEntry, OutboxMessage)
REFUSED = "This schedule has upcoming bookings; it cannot be removed yet."
CANCEL_FIRST = (
    "Cancel its booked dates first (Scheduling → Slots, “Cancel, refunding every guest in"
    " full”): its guests are told and refunded."
)


def said(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def delete_one(client: Client, rule_id: int | None) -> Any:
    url = reverse("admin:scheduling_schedule_delete", args=[rule_id])
    return client.post(url, {"post": "yes"}, follow=True)


def delete_chosen(client: Client, *rule_ids: int | None) -> Any:
    return client.post(
        reverse("admin:scheduling_schedule_changelist"),
        {"action": "delete_selected", "_selected_action": list(rule_ids), "post": "yes"},
        follow=True,
    )


def booked(slot: Slot) -> None:
    guest = UserFactory.create()
    bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())


@pytest.mark.parametrize("delete", [delete_one, delete_chosen])
def test_staff_deleting_a_rule_take_its_unbooked_dates_to_come_with_it(
    staff_client: Client, delete: Any
) -> None:
    slot = a_rules_date()
    rule_id = slot.schedule_id
    assert rule_id is not None

    response = delete(staff_client, rule_id)

    assert response.status_code == 200
    assert not Schedule.objects.filter(pk=rule_id).exists()
    assert not Slot.objects.filter(pk=slot.pk).exists()
    assert LogEntry.objects.filter(action_flag=DELETION, object_id=str(rule_id)).exists()


@pytest.mark.parametrize("delete", [delete_one, delete_chosen])
def test_staff_deleting_a_rule_with_bookings_to_come_are_refused_and_nothing_changes(
    staff_client: Client, delete: Any
) -> None:
    slot = a_rules_date()
    booked(slot)
    before = stored(*EVERYTHING)

    response = delete(staff_client, slot.schedule_id)

    assert response.status_code == 200
    assert said(response) == [
        f"Rule {slot.schedule_id} of listing {slot.listing_id}: {REFUSED} {CANCEL_FIRST}"
    ]
    assert stored(*EVERYTHING) == before
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()


def test_staff_deleting_several_rules_one_with_bookings_to_come_delete_none(
    staff_client: Client,
) -> None:
    """All of the chosen rules go, or none: the refusal names the rule that has bookings."""
    free, busy = a_rules_date(), a_rules_date()
    booked(busy)
    before = stored(*EVERYTHING)

    response = delete_chosen(staff_client, free.schedule_id, busy.schedule_id)

    assert [message.split(":")[0] for message in said(response)] == [
        f"Rule {busy.schedule_id} of listing {busy.listing_id}"
    ]
    assert stored(*EVERYTHING) == before


def test_staff_deleting_a_listing_still_delete_its_rules(staff_client: Client) -> None:
    slot = a_rules_date()
    url = reverse("admin:catalog_listing_delete", args=[slot.listing_id])

    response = staff_client.post(url, {"post": "yes"}, follow=True)

    assert response.status_code == 200
    assert not Schedule.objects.exists()
    assert not Slot.objects.exists()
