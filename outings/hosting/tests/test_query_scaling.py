"""The host's pages cost the same queries with three times the rows (DESIGN.md, section 6), the
rows differing in everything each page shows: listings in other categories, with photos (some
failed) and dates; bookings by other guests, some handed on; rules with exceptions."""

import re
from datetime import date, time, timedelta
from itertools import count
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile
from outings.bookings import services as bookings
from outings.bookings.models import Booking
from outings.catalog import services as catalog_services
from outings.catalog.models import CATEGORY_NAMES, Listing, ListingPhoto
from outings.catalog.tests.factories import (
    SLOT_BASE,
    ListingFactory,
    ScheduleFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.common.tests.queries import assert_same_queries, statements_of
from outings.scheduling.models import ScheduleException, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "media", "nudges")]

SLUGS = sorted(CATEGORY_NAMES)
_serial = count()


def guest_books(slot: Slot, seats: int = 1, *, handed_on: bool = False) -> Booking:
    """A confirmed booking by a new guest (a request, on a listing that takes requests); handed
    on to someone else when asked."""
    n = next(_serial)
    guest = UserFactory.create(first_name=f"Guest{n}", last_name=f"Family{n}")
    now = timezone.now()
    booking = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    if booking.status == Booking.Status.HELD:
        booking = bookings.confirm_booking(guest=guest, reference=booking.reference, now=now)
    if handed_on:
        bookings.offer_transfer(
            guest=guest, reference=booking.reference, to_email=f"friend{n}@example.org", now=now
        )
    return booking


def photo(listing: Listing, status: str = ListingPhoto.Status.READY) -> ListingPhoto:
    names = {"webp": "p.webp", "jpeg": "p.jpg", "width": 10, "height": 10}
    return ListingPhoto.objects.create(
        listing=listing,
        image="p.png",
        width=10,
        height=10,
        status=status,
        renditions={"thumb": names, "card": names, "full": names} if status == "ready" else {},
        position=next(_serial) % 5,
    )


def listings_of(host: HostProfile, n: int) -> None:
    """`n` listings of the host, each in its own category, with photos and dates; the odd ones
    take requests (an open one on the dashboard), every third was sent back with a reason."""
    staff = UserFactory.create(is_staff=True, permissions=["hosting.change_listingreview"])
    for _ in range(n):
        i = next(_serial)
        listing = ListingFactory.create(
            host=host, category=category(SLUGS[i % len(SLUGS)]), instant_booking=bool(i % 2)
        )
        photo(listing)
        photo(listing, ListingPhoto.Status.FAILED)
        for day in range(2):
            slot = SlotFactory.create(listing=listing, starts_at=SLOT_BASE + timedelta(days=day))
            guest_books(slot, handed_on=bool(listing.instant_booking and day))
        if i % 3 == 0:
            sent_back = ListingFactory.create(host=host, status=Listing.Status.SUBMITTED)
            catalog_services.reject_listing(staff=staff, listing_id=sent_back.pk, reason=f"R{i}")


def test_the_dashboard_costs_the_same_with_three_times_the_listings_and_bookings(
    host_client: Client, host: HostProfile
) -> None:
    listings_of(host, 2)

    few, many = assert_same_queries(lambda: host_client.get("/host/"), lambda: listings_of(host, 4))

    page = many.content.decode()
    assert page.count('href="/host/bookings/') > few.content.decode().count('href="/host/bookings/')
    assert "R0" in page


def test_the_listing_page_costs_the_same_with_three_times_the_photos_and_dates(
    host_client: Client, listing: Listing
) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            photo(listing)
            slot = SlotFactory.create(listing=listing)
            guest_books(slot)

    grow(2)

    assert_same_queries(lambda: host_client.get(f"/host/listings/{listing.pk}/"), lambda: grow(4))


def test_the_schedules_page_costs_the_same_with_three_times_the_rules_and_dates(
    host_client: Client, listing: Listing
) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            i = next(_serial)
            schedule = ScheduleFactory.create(
                listing=listing, weekdays=[i % 7], start_times=[time(6 + i % 12)]
            )
            for day in range(2):
                ScheduleException.objects.create(
                    schedule=schedule,
                    day=date(2031, 1, 1) + timedelta(days=i * 7 + day),
                    action="cancel",
                )
            SlotFactory.create(listing=listing, schedule=schedule, capacity=1 + i % 20)

    grow(2)

    assert_same_queries(
        lambda: host_client.get(f"/host/listings/{listing.pk}/schedules/"), lambda: grow(4)
    )


@pytest.mark.parametrize("path", ["/host/slots/{}/roster/", "/host/slots/{}/roster.csv"])
def test_a_roster_and_its_csv_cost_the_same_with_three_times_the_guests(
    host_client: Client, slot: Slot, path: str
) -> None:
    def grow(n: int) -> None:
        for i in range(n):
            guest_books(slot, 1 + i % 2, handed_on=bool(i % 2))

    grow(2)

    _few, many = assert_same_queries(lambda: host_client.get(path.format(slot.pk)), lambda: grow(4))
    assert many.content.decode().count("Family") == 6


def test_a_cancelled_dates_roster_costs_the_same_with_three_times_the_guests(
    host_client: Client, host: HostProfile, listing: Listing
) -> None:
    def cancelled_date(guests: int) -> Slot:
        slot = SlotFactory.create(listing=listing)
        for _ in range(guests):
            guest_books(slot)
        bookings.cancel_slot(host=host, slot_id=slot.pk, reason="Ill.", now=timezone.now())
        return slot

    few, many = cancelled_date(2), cancelled_date(6)
    host_client.get(f"/host/slots/{few.pk}/roster/")  # warm the session

    # Two dates' pages, one with three times the guests of the other.
    _, before = statements_of(lambda: host_client.get(f"/host/slots/{few.pk}/roster/"))
    page, after = statements_of(lambda: host_client.get(f"/host/slots/{many.pk}/roster/"))
    assert len(after) == len(before), after
    assert page.content.decode().count("Family") == 6


def test_the_public_host_page_costs_the_same_with_three_times_the_listings(
    client: Client, host: HostProfile
) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            i = next(_serial)
            ListingFactory.create(host=host, category=category(SLUGS[i % len(SLUGS)]))

    grow(2)

    assert_same_queries(lambda: client.get(f"/host/people/{host.pk}/"), lambda: grow(4))


def test_the_dashboard_shows_a_page_of_listings_and_pages_through_every_one_once(
    host_client: Client, host: HostProfile, settings: Any
) -> None:
    """Bug: the dashboard read every listing of the host (and every failed photo) into one
    page, however many there were. It now shows PAGE_SIZE listings, archived last, and a link
    to the next page by keyset; what needs attention is a bounded list of its own."""
    settings.PAGE_SIZE = 3
    made = {ListingFactory.create(host=host).pk for _ in range(7)}
    archived = ListingFactory.create(host=host, status=Listing.Status.ARCHIVED)
    made.add(archived.pk)
    Listing.objects.filter(host=host).update(updated_at=timezone.now())  # ties on updated_at

    seen: list[int] = []
    path = "/host/"
    while path:
        response = host_client.get(path)
        page = response.content.decode()
        shown = [int(pk) for pk in re.findall(r'<td><a href="/host/listings/([0-9]+)/"', page)]
        assert len(shown) <= 3
        seen += shown
        assert f'hx-get="{path.replace("&", "&amp;")}"' in page  # a live refresh keeps the page
        more = re.search(r'rel="next" href="([^"]+)"', page)
        path = "/host/" + more.group(1).replace("&amp;", "&") if more else ""

    assert sorted(seen) == sorted(made)
    assert seen[-1] == archived.pk
    assert host_client.get("/host/?after=bm9wZQ").status_code == 400
