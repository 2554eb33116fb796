import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, category
from outings.web.views import encode_cursor

pytestmark = pytest.mark.django_db

LIST_URL = reverse("web:listings")


def ids_on(response) -> list[int]:
    return [listing.pk for listing in response.context["listings"]]


def next_cursor(response) -> str | None:
    cursor: str | None = response.context["next_cursor"]
    return cursor


def test_listing_list_shows_public_listings_newest_first(client):
    older = ListingFactory.create(title="Older walk")
    newer = ListingFactory.create(title="Newer walk")
    ListingFactory.create(title="Draft walk", status=Listing.Status.DRAFT)
    ListingFactory.create(
        title="Suspended walk", host=HostProfileFactory.create(suspended_at=timezone.now())
    )

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert ids_on(response) == [newer.pk, older.pk]
    body = response.content.decode()
    assert "Newer walk" in body
    assert "Draft walk" not in body
    assert "Suspended walk" not in body
    assert f'href="/things-to-do/{newer.pk}/"' in body


def test_listing_list_filters_by_category(client):
    food = ListingFactory.create(category=category("food"))
    ListingFactory.create(category=category("music"))

    response = client.get(LIST_URL, {"category": "food"})

    assert ids_on(response) == [food.pk]
    assert "<h1>Food and drink" in response.content.decode()


def test_listing_list_filters_by_city(client):
    madrid = ListingFactory.create(city="Madrid")
    ListingFactory.create(city="Toronto")

    response = client.get(LIST_URL, {"city": "Madrid"})

    assert ids_on(response) == [madrid.pk]


def test_listing_list_is_404_for_an_unknown_category(client):
    assert client.get(LIST_URL, {"category": "no-such-thing"}).status_code == 404


def test_listing_list_says_when_nothing_matches(client):
    response = client.get(LIST_URL, {"city": "Atlantis"})

    assert response.status_code == 200
    assert "No things to do match these filters." in response.content.decode()


@override_settings(PAGE_SIZE=3)
def test_listing_list_walks_every_page_once_while_listings_are_published(client):
    original = {listing.pk for listing in ListingFactory.create_batch(10)}
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        response = client.get(LIST_URL, {"after": cursor} if cursor else {})
        assert response.status_code == 200
        seen += ids_on(response)
        pages += 1
        ListingFactory.create()  # published between two page loads
        cursor = next_cursor(response)
        if cursor is None:
            break

    assert pages == 4
    assert len(seen) == len(set(seen))  # no duplicates
    assert set(seen) == original  # no gaps; rows published mid-walk come on a fresh first page


@override_settings(PAGE_SIZE=2)
def test_listing_list_keeps_filters_across_pages(client):
    food = [ListingFactory.create(category=category("food")) for _ in range(3)]
    ListingFactory.create(category=category("music"))

    first = client.get(LIST_URL, {"category": "food"})
    link = re.search(r'rel="next" href="([^"]+)"', first.content.decode())
    assert link is not None
    second = client.get(LIST_URL + link.group(1).replace("&amp;", "&"))

    assert ids_on(first) + ids_on(second) == [f.pk for f in reversed(food)]
    assert next_cursor(second) is None


@override_settings(PAGE_SIZE=2)
def test_listing_list_answers_htmx_with_the_next_cards_and_pager_only(client):
    listings = ListingFactory.create_batch(3)

    response = client.get(
        LIST_URL, {"after": encode_cursor(listings[2].pk)}, headers={"HX-Request": "true"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert body.count('<article class="card">') == 2
    assert 'id="pager" class="pager" aria-label="More results" hx-swap-oob="true"' in body
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "!!!", "aWQ6MA", "aWQ6LTE", "aWQ6YWJj", "=", "aWQ6OTk5OTk5OTk5OTk5OTk5OTk5OTk5"],
)
def test_listing_list_answers_a_malformed_cursor_with_a_friendly_400(client, cursor):
    ListingFactory.create()

    response = client.get(LIST_URL, {"after": cursor, "category": "tours"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "This page link is not valid" in body
    assert 'href="?category=tours"' in body


@pytest.mark.parametrize("size", [2, 5])
def test_listing_list_runs_the_same_queries_whatever_the_page_size(
    client, django_assert_num_queries, size
):
    ListingFactory.create_batch(6, image_url="https://images.example.org/a.jpg")

    # the page cache's catalogue version, categories, listings
    with override_settings(PAGE_SIZE=size), django_assert_num_queries(3):
        response = client.get(LIST_URL, {"category": "tours"})

    assert len(response.context["listings"]) == size


def test_a_city_with_a_nul_is_a_404_not_a_500():
    # PostgreSQL refuses NUL in a text; no city has one.
    response = Client(raise_request_exception=False).get(LIST_URL, {"city": "Toronto\x00"})

    assert response.status_code == 404
