"""Review of the public REST API v1 resource by resource, as a client developer building a mobile
app uses it: each test names what the client expects and what it got instead."""

from urllib.parse import quote

import pytest

from outings.api.tests.bookings.support import book, client_of, confirmed
from outings.api.tests.helpers import error_of
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

JSON = "application/json"


@pytest.fixture
def host(db):
    return HostProfileFactory.create()


@pytest.fixture
def api(host, token_for):
    return client_of(host.user, token_for)


# --- A cursor of one filter is refused by another --------------------------------------------


def test_a_listings_cursor_of_one_category_is_refused_by_another(client):
    """A client paging /listings?category=tours that switches the filter to food but keeps the
    cursor expects a 400 on query.cursor (docs/api.md: a foreign cursor is refused), as /search
    and /bookings?when= do. Instead the food list started below the tours boundary: every food
    listing newer than it was silently skipped (here: all of them, an empty page)."""
    tours, food = category("tours"), category("food")
    for _ in range(3):
        ListingFactory.create(category=tours)
    for _ in range(2):
        ListingFactory.create(category=food)  # newer than the tours boundary: all skipped
    first = client.get("/api/v1/listings?category=tours&limit=1").json()

    response = client.get(f"/api/v1/listings?category=food&limit=1&cursor={quote(first['next'])}")

    assert response.status_code == 400, [item["id"] for item in response.json()["items"]]
    assert list(error_of(response)["fields"]) == ["query.cursor"]


def test_a_host_bookings_cursor_of_one_status_is_refused_by_another(host, api, token_for):
    """The same for a host's bookings: a cursor from ?status=confirmed reused with
    ?status=held paged the held bookings from the confirmed list's boundary, hiding the newer
    held ones, where the client expects a 400 on query.cursor."""
    listing = ListingFactory.create(host=host, max_group_size=6)
    slot = SlotFactory.create(listing=listing, capacity=20)
    guest = client_of(UserFactory.create(), token_for)
    for _ in range(3):
        confirmed(guest, slot, seats=1)
    for _ in range(2):
        assert book(guest, slot, seats=1).status_code == 201
    page = api.get("/api/v1/host/bookings?status=confirmed&limit=1").json()

    response = api.get(f"/api/v1/host/bookings?status=held&limit=1&cursor={quote(page['next'])}")

    assert response.status_code == 400, response.content
    assert list(error_of(response)["fields"]) == ["query.cursor"]


def test_a_listings_cursor_still_pages_the_same_filter(client):
    """The binding must not break paging a filtered list itself."""
    tours = category("tours")
    ids = [ListingFactory.create(category=tours).pk for _ in range(3)]
    first = client.get("/api/v1/listings?category=tours&limit=2").json()

    second = client.get(f"/api/v1/listings?category=tours&limit=2&cursor={quote(first['next'])}")

    assert [item["id"] for item in second.json()["items"]] == [ids[0]]
