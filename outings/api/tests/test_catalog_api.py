from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outings.api.tests.helpers import bearer, error_of
from outings.catalog.models import License, Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    category,
)
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def ids(response):
    return [item["id"] for item in response.json()["items"]]


def test_categories_are_listed_in_display_order(client):
    response = client.get("/api/v1/categories")

    assert response.status_code == 200
    items = response.json()["items"]
    assert items[:2] == [
        {"slug": "tours", "name": "Tours and walks"},
        {"slug": "outdoors", "name": "Outdoors and nature"},
    ]


def test_the_etag_of_translated_names_depends_on_the_language(client):
    english = client.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="en")
    german = client.get("/api/v1/categories", HTTP_ACCEPT_LANGUAGE="de")

    assert english["Content-Language"] == "en"
    assert german["Content-Language"] == "de"
    assert english["ETag"] != german["ETag"]


def test_only_published_listings_of_active_hosts_are_public(client):
    public = ListingFactory.create()
    ListingFactory.create(status=Listing.Status.DRAFT)
    ListingFactory.create(status=Listing.Status.PAUSED)
    ListingFactory.create(host=HostProfileFactory.create(suspended_at=timezone.now()))

    response = client.get("/api/v1/listings")

    assert ids(response) == [public.pk]


def test_listings_filter_by_category_city_country_and_price(client):
    food = category("food")
    match = ListingFactory.create(
        category=food, city="Madrid", country_code="ES", price_amount=2000
    )
    ListingFactory.create(category=food, city="Madrid", country_code="ES", price_amount=900)
    ListingFactory.create(category=food, city="Madrid", country_code="ES", price_amount=3100)
    ListingFactory.create(city="Madrid", country_code="ES", price_amount=2000)
    ListingFactory.create(category=food, city="Toronto", country_code="CA", price_amount=2000)

    response = client.get(
        "/api/v1/listings?category=food&city=madrid&country=es&price_min=1000&price_max=3000"
    )

    assert ids(response) == [match.pk]


def test_an_inverted_price_range_matches_nothing(client):
    ListingFactory.create(price_amount=300)

    response = client.get("/api/v1/listings?price_min=500&price_max=100")

    assert response.status_code == 200
    assert ids(response) == []


def test_a_listing_shows_its_details(client):
    listing = ListingFactory.create(description="Long text", tags=["old town"], price_amount=1500)

    response = client.get(f"/api/v1/listings/{listing.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == listing.pk
    assert body["category"] == "tours"
    assert body["host"] == {"display_name": listing.host.display_name}
    assert (body["description"], body["tags"], body["price_amount"]) == (
        "Long text",
        ["old town"],
        1500,
    )


def test_a_listing_detail_is_one_query_whatever_fields_it_shows(client, django_assert_num_queries):
    # The detail selects only the columns its schema reads: a field read from a deferred column
    # would cost a second query here.
    listing = ListingFactory.create(
        license=License.WIKIVOYAGE, source_url="https://en.wikivoyage.org/wiki/Berlin"
    )

    with django_assert_num_queries(1):
        response = client.get(f"/api/v1/listings/{listing.pk}")

    body = response.json()
    assert body["attribution"] == (
        "Listing from Wikivoyage (https://en.wikivoyage.org/wiki/Berlin), CC BY-SA 3.0; "
        "nearest town from GeoNames, CC BY 4.0"
    )
    assert body["version"] == listing.version
    assert body["content_language"] == listing.content_language


@pytest.mark.parametrize("status", [Listing.Status.DRAFT, Listing.Status.ARCHIVED])
def test_a_listing_that_is_not_public_is_not_found_even_for_its_host(client, token_for, status):
    listing = ListingFactory.create(status=status)

    response = client.get(f"/api/v1/listings/{listing.pk}", **bearer(token_for(listing.host.user)))

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_listings_slots_are_its_upcoming_open_ones_soonest_first(client):
    listing = ListingFactory.create()
    now = timezone.now()
    later = SlotFactory.create(listing=listing, starts_at=now + timedelta(days=2))
    sooner = SlotFactory.create(listing=listing, starts_at=now + timedelta(days=1))
    SlotFactory.create(listing=listing, starts_at=now - timedelta(hours=1))
    SlotFactory.create(
        listing=listing, starts_at=now + timedelta(days=3), status=Slot.Status.CANCELLED
    )
    SlotFactory.create(starts_at=now + timedelta(days=1))  # another listing's

    response = client.get(f"/api/v1/listings/{listing.pk}/slots")

    assert ids(response) == [sooner.pk, later.pk]
    assert response.json()["items"][0]["seats_left"] == 10


def test_the_slots_of_a_listing_that_is_not_public_are_not_found(client):
    draft = ListingFactory.create(status=Listing.Status.DRAFT)
    SlotFactory.create(listing=draft)

    response = client.get(f"/api/v1/listings/{draft.pk}/slots")

    assert response.status_code == 404


def count_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(queries)


def test_list_endpoints_use_a_fixed_number_of_queries_whatever_the_page_size(
    client, django_assert_num_queries
):
    listing = ListingFactory.create()
    for _ in range(12):
        ListingFactory.create()
        SlotFactory.create(listing=listing)

    for url, expected in [
        ("/api/v1/listings", 1),
        ("/api/v1/categories", 1),
        (f"/api/v1/listings/{listing.pk}/slots", 2),
    ]:
        with django_assert_num_queries(expected):
            client.get(f"{url}?limit=2")
        with django_assert_num_queries(expected):
            client.get(f"{url}?limit=12")


def test_an_authenticated_list_adds_only_the_token_lookup(client, guest_token):
    for _ in range(5):
        ListingFactory.create()
    client.get("/api/v1/me", **bearer(guest_token))  # records the token's first use

    small = count_queries(client, "/api/v1/listings?limit=1", **bearer(guest_token))
    large = count_queries(client, "/api/v1/listings?limit=5", **bearer(guest_token))

    assert small == large == 2
