"""Review (session 22): the booking forms of a listing by request told the guest that "the host
accepts or declines each request within 24 hours", whatever BOOKINGS_REQUEST_HOURS says, and
also on a date that starts sooner, where a request lapses at the start. They now give the
setting and say that the start comes first."""

import pytest
from django.test import Client, override_settings

from outings.accounts.models import User
from outings.catalog.models import Listing
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

SAID = (
    "The host accepts or declines each request within 12 hours, and before the date starts at "
    "the latest."
)


@override_settings(BOOKINGS_REQUEST_HOURS=12)
def test_the_booking_forms_give_the_hours_a_request_waits(
    client: Client, guest: User, listing: Listing, slot: Slot
) -> None:
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    client.force_login(guest)

    listing_page = client.get(f"/things-to-do/{listing.pk}/").content.decode()
    book_page = client.get(f"/bookings/new/?slot={slot.pk}").content.decode()

    assert SAID in listing_page
    assert SAID in book_page
    assert "within 24 hours" not in listing_page + book_page
