"""Review (session 17): a started date's places on the schedules page. The page lists dates from
now on, but its form posted from a page opened before the start still set the places of a date
under way ("Capacity changed."); now refused with the reason, as a cancelled date's are."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


def test_a_started_dates_places_posted_from_an_older_page_are_refused(
    host_client: Client, listing: Listing
) -> None:
    slot = SlotFactory.create(
        listing=listing, capacity=10, starts_at=timezone.now() - timedelta(minutes=5)
    )

    response = host_client.post(
        f"/host/listings/{listing.pk}/slots/{slot.pk}/",
        {"capacity": "12", "version": str(slot.version)},
        follow=True,
    )

    page = response.content.decode()
    assert "This date has started: its places cannot change." in page
    assert "Capacity changed." not in page
    assert Slot.objects.values_list("capacity", "version").get(pk=slot.pk) == (10, slot.version)
