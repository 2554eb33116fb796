"""Review (session 16): a cancelled date's places on the schedules page. The page offered the
capacity field on a date its host had cancelled, and saving it changed the number (and the
date's version) on a date nobody can book again; now the date shows its places without a
field, and a post from a page opened before the cancellation is refused with the reason."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile
from outings.bookings import services as bookings
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


@pytest.fixture
def cancelled(host: HostProfile, listing: Listing) -> Slot:
    slot = SlotFactory.create(
        listing=listing, capacity=10, starts_at=timezone.now() + timedelta(days=3)
    )
    bookings.cancel_slot(host=host, slot_id=slot.pk, reason="", now=timezone.now())
    slot.refresh_from_db()
    return slot


def test_a_cancelled_date_shows_its_places_without_a_field(
    host_client: Client, listing: Listing, cancelled: Slot
) -> None:
    page = host_client.get(f"/host/listings/{listing.pk}/schedules/").content.decode()

    assert f'id="cap-{cancelled.pk}"' not in page
    # No form posts to it (neither its places nor "Cancel"); its places are shown as they are.
    assert f'action="/host/listings/{listing.pk}/slots/{cancelled.pk}/"' not in page
    assert "<td>10</td>" in page


def test_a_cancelled_dates_places_posted_from_an_older_page_are_refused(
    host_client: Client, listing: Listing, cancelled: Slot
) -> None:
    response = host_client.post(
        f"/host/listings/{listing.pk}/slots/{cancelled.pk}/",
        {"capacity": "12", "version": str(cancelled.version)},
        follow=True,
    )

    page = response.content.decode()
    assert "This date is cancelled: its places cannot change." in page
    assert "Capacity changed." not in page
    assert Slot.objects.values_list("capacity", "version").get(pk=cancelled.pk) == (
        10,
        cancelled.version,
    )
