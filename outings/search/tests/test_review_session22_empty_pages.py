"""Review (session 22): a page of a search that came back empty (the listings beyond its cursor
gone since the cursor was made, or a client paging past the end) had neither cursor, so the
client (and the explore page's pager) could not go back but by starting again from the first
page. The API platform's lists give such a page the cursor back (outings/api/pagination.py);
the search now does the same: `previous` after a forward cursor, `next` after a backward one,
to the page that ends (starts) at that cursor's boundary, its hit included."""

from typing import Any

import pytest
from django.test import Client

from outings.catalog.models import Listing
from outings.search.engine import search
from outings.search.query import Point, SearchQuery

pytestmark = pytest.mark.django_db

SORTS = ["relevance", "newest", "price_asc", "price_desc", "soonest", "distance"]


@pytest.fixture
def seven(make_listing: Any, make_slot: Any) -> list[int]:
    """Seven walks, each with a date, at seven prices."""
    listings = [
        make_listing("Walking tour", currency="EUR", price_amount=1000 + n) for n in range(7)
    ]
    for n, listing in enumerate(listings):
        make_slot(listing, in_days=2 + n)
    return [listing.pk for listing in listings]


def ids(page: Any) -> list[int]:
    return [hit.listing_id for hit in page.hits]


def walks(sort: str) -> dict[str, Any]:
    """The search of the seven walks in `sort`, three a page."""
    near = Point(43.65, -79.38) if sort == "distance" else None
    return {"text": "walking", "sort": sort, "limit": 3, "near": near}


def withdraw(pks: list[int]) -> None:
    Listing.objects.filter(pk__in=pks).update(status=Listing.Status.PAUSED)


@pytest.mark.parametrize("sort", SORTS)
def test_a_page_emptied_since_its_cursor_has_the_way_back(seven: list[int], sort: str) -> None:
    query = walks(sort)
    first = search(SearchQuery(**query))
    second = search(SearchQuery(cursor=first.next_cursor, **query))
    third = search(SearchQuery(cursor=second.next_cursor, **query))
    withdraw(ids(third))

    empty = search(SearchQuery(cursor=second.next_cursor, **query))
    back = search(SearchQuery(cursor=empty.previous_cursor, **query))

    assert empty.hits == []
    assert empty.next_cursor is None
    assert empty.previous_cursor is not None
    assert ids(back) == ids(second)
    assert back.next_cursor is not None  # onwards: empty again, as it is


@pytest.mark.parametrize("sort", SORTS)
def test_a_page_back_emptied_since_its_cursor_has_the_way_forward(
    seven: list[int], sort: str
) -> None:
    query = walks(sort)
    first = search(SearchQuery(**query))
    second = search(SearchQuery(cursor=first.next_cursor, **query))
    withdraw(ids(first))

    empty = search(SearchQuery(cursor=second.previous_cursor, **query))
    forward = search(SearchQuery(cursor=empty.next_cursor, **query))

    assert empty.hits == []
    assert empty.previous_cursor is None
    assert empty.next_cursor is not None
    assert ids(forward) == ids(second)


def test_the_api_and_the_explore_page_give_an_empty_page_its_way_back(seven: list[int]) -> None:
    client = Client()
    first = client.get("/api/v1/search", {"q": "walking", "limit": "5"}).json()
    shown = [hit["id"] for hit in first["results"]]
    withdraw([pk for pk in seven if pk not in shown])  # the two beyond the first page

    empty = client.get("/api/v1/search", {"q": "walking", "limit": "5", "cursor": first["next"]})
    explore = client.get("/explore/", {"q": "walking", "cursor": first["next"]})

    assert empty.status_code == 200
    body = empty.json()
    assert body["results"] == []
    assert body["next"] is None
    back = client.get("/api/v1/search", {"q": "walking", "limit": "5", "cursor": body["previous"]})
    assert [hit["id"] for hit in back.json()["results"]] == shown
    assert explore.status_code == 200
    assert explore.context["page"].hits == []
    assert explore.context["previous_url"] is not None
    assert 'rel="prev"' in explore.content.decode()
