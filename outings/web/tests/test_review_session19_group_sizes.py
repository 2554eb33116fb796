"""Review (session 19): the listing page's booking and waiting-list forms offer the group sizes a
booking takes. A listing may allow larger groups (up to 500) than one booking takes (MAX_SEATS):
the page's "Guests" box let the browser send 60, which the booking refused, while the booking
page's own form stopped at MAX_SEATS."""

import re

import pytest
from django.test import Client

from outings.bookings.services.holds import MAX_SEATS
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db


def seats_input(body: str, input_id: str) -> dict[str, str]:
    found = re.search(rf'<input id="{input_id}"[^>]*>', body)
    assert found is not None
    return dict(re.findall(r'(\w+)="([^"]*)"', found.group(0)))


def test_the_listing_pages_guests_box_stops_where_a_booking_does(client: Client) -> None:
    listing = ListingFactory.create(min_group_size=2, max_group_size=200)
    SlotFactory.create(listing=listing, capacity=300)
    full = SlotFactory.create(listing=listing, capacity=300)
    full.seats_taken = 300
    full.save(update_fields=["seats_taken"])
    client.force_login(UserFactory.create())

    body = client.get(listing.get_absolute_url()).content.decode()

    for input_id in ("book-seats", "wait-seats"):
        box = seats_input(body, input_id)
        assert (box["min"], box["max"], box["value"]) == ("2", str(MAX_SEATS), "2")
