"""A listing page applies seats-left events in the order the changes committed, not the order they
arrive: events published by different processes can overtake each other on the way, and an older
number must not overwrite a newer one (outings/bookings/services/seats.py numbers each change)."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.catalog.tests.factories import ListingFactory, SlotFactory, category
from outings.notifications import live

pytestmark = pytest.mark.django_db(transaction=True)


def _seats(listing_id: int, slot_id: int, left: int, change: int) -> None:
    live.publish(
        live.listing_group(listing_id),
        {"type": "seats", "listing": listing_id, "slot": slot_id, "seats_left": left,
         "change": change},
    )  # fmt: skip


def test_an_older_seats_event_arriving_late_does_not_undo_a_newer_one(
    front: str,
    browser: Any,
) -> None:
    category("tours")
    listing = ListingFactory.create(title="Harbour walk")
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    first = SlotFactory.create(listing=listing, starts_at=start, capacity=8)
    second = SlotFactory.create(listing=listing, starts_at=start + timedelta(days=1), capacity=8)
    page = browser.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{front}/things-to-do/{listing.pk}/")
    seats = page.locator(f'[data-slot-seats="{first.pk}"]')
    assert seats.inner_text() == "8"

    # The socket is open once an event gets through: until then, send the same one again.
    deadline = time.monotonic() + 15
    while seats.inner_text() != "7":
        assert time.monotonic() < deadline, "the page's socket never delivered an event"
        _seats(listing.pk, first.pk, 7, change=100)
        time.sleep(0.2)

    _seats(listing.pk, first.pk, 5, change=102)  # the newer change arrives first
    _seats(listing.pk, first.pk, 6, change=101)  # the older one after it
    _seats(listing.pk, second.pk, 3, change=103)  # after both on the same socket: a marker
    page.wait_for_selector(f'[data-slot-seats="{second.pk}"]:text-is("3")')

    assert seats.inner_text() == "5"
