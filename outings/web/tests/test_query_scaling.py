"""The public pages cost the same queries with three times the rows (DESIGN.md, section 6): a
listing's dates (booked by other guests, a hold lapsed), photos and "more like this" from other
hosts in other categories; the list of things to do, explore and home with three times the
listings. Asked by a signed-in visitor, whose pages the page cache never answers."""

import re
from datetime import timedelta
from itertools import count

import pytest
from django.test import Client
from django.utils import timezone

from outings.bookings import services as bookings
from outings.catalog.models import CATEGORY_NAMES, Listing, ListingPhoto
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory, category
from outings.common.tests.queries import assert_same_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

SLUGS = sorted(CATEGORY_NAMES)
_serial = count()
RENDITION = {"webp": "p.webp", "jpeg": "p.jpg", "width": 10, "height": 10}


@pytest.fixture
def visitor(client: Client) -> Client:
    client.force_login(UserFactory.create())
    return client


def harbour_walks(n: int) -> list[Listing]:
    """`n` listings alike in their words (each one "more like this" for the others), by other
    hosts, in other categories, each with a date to come."""
    made = []
    for _ in range(n):
        i = next(_serial)
        listing = ListingFactory.create(
            category=category(SLUGS[i % len(SLUGS)]),
            title=f"Harbour walk by the old piers {i}",
            tags=["harbour", "piers"],
        )
        SlotFactory.create(listing=listing)
        made.append(listing)
    return made


def test_a_listing_page_costs_the_same_with_three_times_the_dates_photos_and_similar(
    visitor: Client,
) -> None:
    listing = harbour_walks(1)[0]
    now = timezone.now()

    def grow(n: int) -> None:
        harbour_walks(n)
        for _ in range(n):
            i = next(_serial)
            ListingPhoto.objects.create(
                listing=listing,
                image="p.png",
                width=10,
                height=10,
                alt_text=f"Photo {i}",
                status=ListingPhoto.Status.READY,
                renditions={name: RENDITION for name in ("thumb", "card", "full")},
            )
            slot = SlotFactory.create(listing=listing, capacity=4)
            guest = UserFactory.create()
            lapsed = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=now)
            lapsed.expires_at = now - timedelta(minutes=1)
            lapsed.save(update_fields=["expires_at"])
            bookings.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=now)

    grow(1)

    _few, many = assert_same_queries(
        lambda: visitor.get(f"/things-to-do/{listing.pk}/"), lambda: grow(2)
    )

    assert len(set(re.findall(r"Photo [0-9]+", many.content.decode()))) == 3


@pytest.mark.parametrize(
    "path", ["/things-to-do/", "/things-to-do/?city=Toronto", "/explore/?city=Toronto", "/"]
)
def test_the_lists_of_listings_cost_the_same_with_three_times_the_listings(
    visitor: Client, path: str
) -> None:
    harbour_walks(2)

    _few, many = assert_same_queries(lambda: visitor.get(path), lambda: harbour_walks(4))

    if path != "/":
        shown = set(re.findall(r"Harbour walk by the old piers [0-9]+", many.content.decode()))
        assert len(shown) == 6
