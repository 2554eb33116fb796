"""Review (session 24): staff could add a date by hand in the admin (Scheduling → Slots) that
started an hour ago: it was saved, open, on the listing's calendar among the dates gone by,
though a host adding a one-off date that has gone by is refused ("10:00 on 2026-06-03 has gone
by.", scheduling.services.schedules._checked) and staff moving a date to such a time is refused
too. The admin's add form now refuses a start that has come, on the start, nothing saved."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.catalog.tests.factories import ListingFactory, UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def _add(client: Client, listing_id: int, starts: datetime) -> tuple[int, str]:
    """Staff add a 90-minute date of the listing at `starts` by hand; the status and page."""
    local, ends = timezone.localtime(starts), timezone.localtime(starts + timedelta(minutes=90))
    response = client.post(
        reverse("admin:scheduling_slot_add"),
        {
            "listing": listing_id,
            "schedule": "",
            "starts_at_0": f"{local:%Y-%m-%d}",
            "starts_at_1": f"{local:%H:%M:%S}",
            "ends_at_0": f"{ends:%Y-%m-%d}",
            "ends_at_1": f"{ends:%H:%M:%S}",
            "capacity": 6,
        },
    )
    return response.status_code, response.content.decode()


def test_staff_cannot_add_a_date_that_has_started(staff_client: Client) -> None:
    """Bug: saved (302), an open date that began an hour ago."""
    listing = ListingFactory.create(duration_minutes=90)
    starts = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)

    status, page = _add(staff_client, listing.pk, starts)

    assert status == 200
    local = timezone.localtime(starts)
    assert f"{local:%H:%M} on {local:%Y-%m-%d} has gone by." in page
    assert not Slot.objects.filter(listing=listing).exists()


def test_staff_may_still_add_a_date_to_come(staff_client: Client) -> None:
    """The control: an hour from now is added, open."""
    listing = ListingFactory.create(duration_minutes=90)
    starts = (timezone.now() + timedelta(hours=1)).replace(microsecond=0)

    status, page = _add(staff_client, listing.pk, starts)

    assert status == 302, page[:2000]
    added = Slot.objects.get(listing=listing)
    assert (added.starts_at, added.status) == (starts, Slot.Status.OPEN)
