"""Review (session 15): the slot admin never silently overwrites a host's change (DESIGN.md,
invariant 5). The host's pages and the API send the date's version with a new capacity; the
admin's change form sent none and wrote the capacity it posted, whatever the host had set since
the form was opened."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.bookings import services
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session13_admin import slot_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def change_url(slot: Slot) -> str:
    return reverse("admin:scheduling_slot_change", args=[slot.pk])


def open_form(client: Client, slot: Slot) -> dict[str, object]:
    """What the change form holds when staff open it: the date's fields and its version."""
    page = client.get(change_url(slot)).content.decode()
    version = re.search(r'name="expected_version" value="(\d+)"', page)
    assert version is not None, "the form carries the version it was opened at"
    # and the times (test_review_session16_admin.py)
    opened = re.search(r'name="expected_times" value="([^"]+)"', page)
    assert opened is not None
    return {**slot_form(slot), "expected_version": version.group(1), "expected_times": opened[1]}


def host_sets_places(slot: Slot, capacity: int) -> None:
    """The host changes the date's places on their schedules page (or the API), as one does."""
    services.change_slot_capacity(
        host=slot.listing.host,
        slot_id=slot.pk,
        capacity=capacity,
        now=timezone.now(),
        expected_version=slot.version,
    )


def test_staff_saving_places_over_a_hosts_change_made_meanwhile_is_refused(
    staff_client: Client,
) -> None:
    """Staff open the date (10 places), the host sets 14, staff save 12: refused with a form
    error naming the host's 14; the host's value stays, the field keeps the staff member's 12,
    and the form is now based on the date as it is, so saving again replaces it on purpose."""
    slot = SlotFactory.create(capacity=10)
    form = open_form(staff_client, slot)
    host_sets_places(slot, 14)

    response = staff_client.post(change_url(slot), {**form, "capacity": 12})

    assert response.status_code == 200
    page = response.content.decode()
    assert "This date&#x27;s places were changed to 14 since you opened it" in page
    assert re.search(r'name="capacity" value="12"', page)
    assert 'name="expected_version" value="2"' in page
    slot.refresh_from_db()
    assert (slot.capacity, slot.version) == (14, 2)

    again = staff_client.post(change_url(slot), {**form, "capacity": 12, "expected_version": 2})

    assert again.status_code == 302
    slot.refresh_from_db()
    assert (slot.capacity, slot.version) == (12, 3)


def test_staff_moving_the_time_do_not_put_back_the_places_the_host_changed_meanwhile(
    staff_client: Client,
) -> None:
    """The form posts every field: the places as staff opened them (10) differed from the
    host's new 14 and were written back with the new time."""
    slot = SlotFactory.create(capacity=10)
    form = open_form(staff_client, slot)
    host_sets_places(slot, 14)
    later = timezone.localtime(slot.starts_at + timedelta(hours=1))

    response = staff_client.post(change_url(slot), {**form, "starts_at_1": f"{later:%H:%M:%S}"})

    assert response.status_code == 200
    assert "were changed to 14" in response.content.decode()
    moved = Slot.objects.get(pk=slot.pk)
    assert (moved.capacity, moved.version, moved.starts_at) == (14, 2, slot.starts_at)


def test_a_form_opened_on_the_current_version_saves(staff_client: Client) -> None:
    slot = SlotFactory.create(capacity=10)
    form = open_form(staff_client, slot)

    response = staff_client.post(change_url(slot), {**form, "capacity": 12})

    assert response.status_code == 302
    slot.refresh_from_db()
    assert (slot.capacity, slot.version) == (12, 2)


@pytest.mark.parametrize("version", ["", "x", "-1"])
def test_a_post_without_a_usable_version_changes_nothing(
    staff_client: Client, version: str
) -> None:
    slot = SlotFactory.create(capacity=10)
    form = open_form(staff_client, slot)

    response = staff_client.post(
        change_url(slot), {**form, "capacity": 12, "expected_version": version}
    )

    assert response.status_code == 200
    slot.refresh_from_db()
    assert (slot.capacity, slot.version) == (10, 1)


def test_places_below_the_seats_taken_are_a_form_error_not_a_500(
    staff_client: Client, guest_with_seats: None
) -> None:
    """Bug: the save broke CHECK (seats_taken <= capacity) and answered 500."""
    slot = Slot.objects.get()
    form = open_form(staff_client, slot)

    response = staff_client.post(change_url(slot), {**form, "capacity": 3})

    assert response.status_code == 200
    assert "At least 5." in response.content.decode()
    slot.refresh_from_db()
    assert (slot.capacity, slot.seats_taken, slot.version) == (10, 5, 1)


@pytest.fixture
def guest_with_seats() -> None:
    """A date of 10 places, 5 of them held by a guest."""
    slot = SlotFactory.create(capacity=10)
    services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=5, now=timezone.now())
