"""Every list endpoint of the API costs the same queries with three times the rows (DESIGN.md,
section 6), the rows differing in what each item shows: a guest's bookings on other hosts'
listings, some handed on, and waiting lists with offers; a host's listings in other categories,
their photos, rules with exceptions, dates, and bookings by other guests; public listings, their
dates with lapsed holds, "more like this"; the caller's tokens."""

from datetime import date, time, timedelta
from itertools import count
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts import services as account_services
from outings.accounts.models import HostProfile, User
from outings.bookings import services as bookings
from outings.bookings.models import Booking
from outings.catalog.models import CATEGORY_NAMES, Listing, ListingPhoto
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    ScheduleFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.common.tests.queries import assert_same_queries
from outings.hosting.tests.fixtures import categories  # noqa: F401 - a fixture
from outings.scheduling.models import ScheduleException, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

SLUGS = sorted(CATEGORY_NAMES)
RENDITION = {"webp": "p.webp", "jpeg": "p.jpg", "width": 10, "height": 10}
_serial = count()


def api_of(user: User) -> Client:
    secret = account_services.create_api_token(user=user, name="tests").secret
    return Client(headers={"Authorization": f"Bearer {secret}"})


def a_listing(**fields: object) -> Listing:
    i = next(_serial)
    values: dict[str, object] = {
        "category": category(SLUGS[i % len(SLUGS)]),
        "title": f"Harbour walk by the old piers {i}",
        "tags": ["harbour", "piers"],
        **fields,
    }
    return ListingFactory.create(**values)


def booked(guest: User, slot: Slot, seats: int = 1) -> Booking:
    now = timezone.now()
    booking = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    if booking.status == Booking.Status.HELD:
        booking = bookings.confirm_booking(guest=guest, reference=booking.reference, now=now)
    return booking


@pytest.fixture
def guest() -> User:
    return UserFactory.create()


@pytest.fixture
def host() -> HostProfile:
    return HostProfileFactory.create()


@pytest.fixture
def listing(host: HostProfile) -> Listing:
    return a_listing(host=host)


def guests_rows(guest: User, n: int) -> None:
    """Bookings on other hosts' listings (one handed on, one cancelled) and waiting lists, one
    with an open offer."""
    now = timezone.now()
    for _ in range(n):
        booked(guest, SlotFactory.create(listing=a_listing()))
        handed = booked(guest, SlotFactory.create(listing=a_listing()))
        bookings.offer_transfer(
            guest=guest, reference=handed.reference, to_email="friend@example.org", now=now
        )
        gone = booked(guest, SlotFactory.create(listing=a_listing()))
        bookings.cancel_booking(guest=guest, reference=gone.reference, now=now)
        for offered in (False, True):
            full = SlotFactory.create(listing=a_listing(), capacity=1)
            someone = UserFactory.create()
            theirs = booked(someone, full)
            bookings.join_waitlist(guest=guest, slot_id=full.pk, seats=1, now=now)
            if offered:
                bookings.cancel_booking(guest=someone, reference=theirs.reference, now=now)


def hosts_rows(host: HostProfile, listing: Listing, n: int) -> None:
    """Listings in other categories; on `listing`: photos, rules with exceptions, dates booked
    by other guests (some requests, some handed on)."""
    now = timezone.now()
    for _ in range(n):
        i = next(_serial)
        a_listing(host=host, instant_booking=bool(i % 2))
        ListingPhoto.objects.create(
            listing=listing,
            image="p.png",
            width=10,
            height=10,
            position=i,
            status=ListingPhoto.Status.READY if i % 2 else ListingPhoto.Status.PENDING,
            renditions={name: RENDITION for name in ("thumb", "card", "full")} if i % 2 else {},
        )
        schedule = ScheduleFactory.create(
            listing=listing, weekdays=[i % 7], start_times=[time(6 + i % 12)]
        )
        ScheduleException.objects.create(
            schedule=schedule, day=date(2031, 1, 1) + timedelta(days=i), action="cancel"
        )
        slot = SlotFactory.create(listing=listing, schedule=schedule, capacity=4)
        guest = UserFactory.create(first_name=f"Guest{i}")
        mine = booked(guest, slot, 2)
        if i % 2:
            bookings.offer_transfer(
                guest=guest, reference=mine.reference, to_email="friend@example.org", now=now
            )
        lapsed = bookings.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=now)
        lapsed.expires_at = now - timedelta(minutes=1)
        lapsed.save(update_fields=["expires_at"])


def items(response: object) -> int:
    """How many rows a list answered: a page's items, search's results, or a bare list."""
    body = response.json()  # type: ignore[attr-defined]
    if isinstance(body, list):
        return len(body)
    return len(body["results"] if "results" in body else body["items"])


@pytest.mark.parametrize(
    "path", ["/bookings?limit=100", "/bookings?when=past&limit=100", "/waitlist?limit=100"]
)
def test_a_guests_lists_cost_the_same_with_three_times_the_rows(guest: User, path: str) -> None:
    api = api_of(guest)
    guests_rows(guest, 1)

    few, many = assert_same_queries(
        lambda: api.get(f"/api/v1{path}"), lambda: guests_rows(guest, 2)
    )

    assert items(few) > 0
    assert items(many) == 3 * items(few)


@pytest.mark.parametrize(
    "path",
    [
        "/host/listings?limit=100",
        "/host/bookings?limit=100",
        "/host/listings/{listing}/photos?limit=100",
        "/host/listings/{listing}/schedules?limit=100",
        "/host/listings/{listing}/slots?limit=100",
        "/listings/{listing}/slots?limit=100",
        "/listings?limit=100",
        "/search?limit=50",
    ],
)
def test_a_hosts_and_the_public_lists_cost_the_same_with_three_times_the_rows(
    host: HostProfile, listing: Listing, path: str
) -> None:
    api = api_of(host.user)
    hosts_rows(host, listing, 2)
    url = "/api/v1" + path.format(listing=listing.pk)

    few, many = assert_same_queries(lambda: api.get(url), lambda: hosts_rows(host, listing, 4))

    assert items(few) > 0
    assert items(many) > items(few)


def test_a_roster_costs_the_same_with_three_times_the_guests(
    host: HostProfile, listing: Listing
) -> None:
    api = api_of(host.user)
    slot = SlotFactory.create(listing=listing, capacity=20)

    def grow(n: int) -> None:
        for i in range(n):
            mine = booked(UserFactory.create(first_name=f"Guest{i}"), slot)
            if i % 2:
                bookings.offer_transfer(
                    guest=mine.guest,
                    reference=mine.reference,
                    to_email="friend@example.org",
                    now=timezone.now(),
                )

    grow(2)

    few, many = assert_same_queries(
        lambda: api.get(f"/api/v1/host/slots/{slot.pk}/roster?limit=100"), lambda: grow(4)
    )

    assert (items(few), items(many)) == (2, 6)


def test_more_like_this_costs_the_same_with_three_times_the_similar_listings() -> None:
    listing = a_listing()
    api = Client()

    def grow(n: int) -> None:
        soon = timezone.now() + timedelta(days=3)  # within search's horizon: bookable
        for _ in range(n):
            SlotFactory.create(listing=a_listing(), starts_at=soon)

    grow(2)

    few, many = assert_same_queries(
        lambda: api.get(f"/api/v1/listings/{listing.pk}/similar"), lambda: grow(4)
    )

    assert (items(few), items(many)) == (2, 6)


def test_the_callers_tokens_cost_the_same_with_three_times_the_tokens(guest: User) -> None:
    api = api_of(guest)

    def grow(n: int) -> None:
        for i in range(n):
            account_services.create_api_token(user=guest, name=f"script {i}")

    grow(1)

    few, many = assert_same_queries(lambda: api.get("/api/v1/me/tokens?limit=100"), lambda: grow(4))

    assert (items(few), items(many)) == (2, 6)


def test_a_rule_embeds_a_bounded_list_of_exceptions_and_pages_on_to_the_rest(
    host: HostProfile, listing: Listing, settings: Any
) -> None:
    """Bug: the schedules list paged the rules, but each rule carried every exception it ever
    had (a rule can take one for each day ten years ahead). A rule embeds the first
    API_MAX_PAGE_SIZE of them, by day, and `exceptions_next` pages on through
    GET …/schedules/{id}/exceptions; a rule with fewer says null, as v1 clients read it."""
    settings.API_MAX_PAGE_SIZE = 3
    api = api_of(host.user)
    busy = ScheduleFactory.create(listing=listing, weekdays=list(range(7)), start_times=[time(9)])
    quiet = ScheduleFactory.create(listing=listing, weekdays=[0], start_times=[time(15)])
    days = [date(2031, 3, 20) - timedelta(days=i) for i in range(7)]  # made latest first
    made = [
        ScheduleException.objects.create(schedule=busy, day=day, action="cancel").pk for day in days
    ]
    ScheduleException.objects.create(schedule=quiet, day=date(2031, 3, 3), action="cancel")
    url = f"/api/v1/host/listings/{listing.pk}/schedules"

    rules = {rule["id"]: rule for rule in api.get(url).json()["items"]}

    embedded = rules[busy.pk]["exceptions"]
    assert [e["day"] for e in embedded] == ["2031-03-14", "2031-03-15", "2031-03-16"]
    assert (len(rules[quiet.pk]["exceptions"]), rules[quiet.pk]["exceptions_next"]) == (1, None)
    seen = [e["id"] for e in embedded]
    cursor = rules[busy.pk]["exceptions_next"]
    while cursor:
        page = api.get(f"{url}/{busy.pk}/exceptions", {"cursor": cursor, "limit": 3}).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next"]
    assert seen == made[::-1]
    first = api.get(f"{url}/{busy.pk}/exceptions", {"limit": 3}).json()
    assert [e["id"] for e in first["items"]] == seen[:3]
    foreign = api.get(f"{url}/{quiet.pk}/exceptions", {"cursor": rules[busy.pk]["exceptions_next"]})
    assert foreign.status_code == 400
