"""Review (session 16): a search's cursor is bound to every filter and sort of its search. A
mutation audit removed parameters one at a time from `cursors.cursor_fingerprint` (guests,
categories, date_from among them) and no test failed: a cursor from one search reused under
other filters started that other search's page beyond the first search's last key, skipping
or repeating hits without a word. Each parameter here is changed alone between two pages, on
the API and on the explore page; the unchanged search still turns the page (the control)."""

import html
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.services import create_api_token
from outings.search.models import ExchangeRate
from outings.search.services import refresh_lexicon
from outings.search.tests.test_review_session14 import _ids_of_every_page

pytestmark = pytest.mark.django_db

ANOTHER_SEARCH = "This cursor belongs to another search."


def _day(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).date().isoformat()


def _listings(make_listing: Any, make_slot: Any, count: int) -> None:
    """`count` walks in Toronto that every search below finds (a date in three days, 90
    minutes, 20 CAD, in English), and one swim in Montreal, so that Montreal is a known place."""
    for n in range(count):
        make_slot(make_listing(f"Harbour walk {n}"), in_days=3 + n / 24)
    make_listing(
        "Lake swim", city="Montreal", latitude=45.50, longitude=-73.57, time_zone="America/Toronto"
    )
    refresh_lexicon()  # the places `near=` knows


# (parameter, the first search's parameters, the other search's): each changes one parameter.
# The explore page's parameters are the API's, but for the prices, one city and one language,
# and no country.
CHANGES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("q", {"q": "harbour"}, {"q": "harbour walk"}),
    ("guests", {"guests": "2"}, {"guests": "3"}),
    ("category", {"category": "tours"}, {"category": ["tours", "food"]}),
    ("date_from", {"date_from": _day(1)}, {"date_from": _day(2)}),
    ("date_to", {"date_to": _day(10)}, {"date_to": _day(11)}),
    ("currency", {"currency": "EUR"}, {"currency": "CAD"}),
    ("duration_min", {"duration_min": "30"}, {"duration_min": "31"}),
    ("duration_max", {"duration_max": "120"}, {"duration_max": "121"}),
    ("near", {"near": "Toronto"}, {"near": "Montreal"}),
    ("lat/lng", {"lat": "43.65", "lng": "-79.38"}, {"lat": "43.70", "lng": "-79.38"}),
    (
        "radius_km",
        {"lat": "43.65", "lng": "-79.38", "radius_km": "50"},
        {"lat": "43.65", "lng": "-79.38", "radius_km": "60"},
    ),
    ("bbox", {"bbox": "40,-80,45,-75"}, {"bbox": "40,-80,46,-75"}),
    ("sort", {"sort": "price_asc"}, {"sort": "price_desc"}),
]
API_CHANGES = [
    *CHANGES,
    ("guests dropped", {"guests": "2"}, {}),
    ("category dropped", {"category": "tours"}, {}),
    ("date_from dropped", {"date_from": _day(1)}, {}),
    ("price_min", {"price_min": "0"}, {"price_min": "100"}),  # minor units
    ("price_max", {"price_max": "100000"}, {"price_max": "90000"}),
    ("language", {"language": "en"}, {"language": ["en", "de"]}),
    ("city", {"city": "Toronto"}, {"city": ["Toronto", "Montreal"]}),
    ("country", {"country": "CA"}, {"country": "US"}),
    ("sort by date", {"sort": "soonest"}, {"sort": "newest"}),
]
PAGE_CHANGES = [
    *CHANGES,
    ("price_min", {"price_min": "0"}, {"price_min": "1"}),  # whole units
    ("price_max", {"price_max": "1000"}, {"price_max": "900"}),
    ("language", {"language": "en"}, {"language": "de"}),
    ("city", {"city": "Toronto"}, {"city": "Montreal"}),
]


def each_change(changes: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> Any:
    return pytest.mark.parametrize(
        ("first", "other"),
        [(first, other) for _, first, other in changes],
        ids=[name for name, _, _ in changes],
    )


@each_change(API_CHANGES)
def test_the_api_refuses_a_cursor_under_another_filter_or_sort(
    make_listing, make_slot, first, other
):
    _listings(make_listing, make_slot, 3)
    client = Client()
    base = {"q": "harbour", "limit": "1", "tz": "UTC"}
    page = client.get("/api/v1/search", {**base, **first}).json()
    assert page["next"], page
    # The search it was signed for still turns the page.
    same = client.get("/api/v1/search", {**base, **first, "cursor": page["next"]})
    assert same.status_code == 200, same.content

    response = client.get("/api/v1/search", {**base, **other, "cursor": page["next"]})

    assert response.status_code == 400, response.content
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "The search has invalid parameters.",
            "fields": {"query.cursor": [ANOTHER_SEARCH]},
        }
    }


def _next_params(response: Any) -> dict[str, list[str]]:
    """The parameters of the page's "More results" link."""
    assert response.status_code == 200, response.content
    found = re.search(r'href="\?([^"]*)" rel="next"', response.content.decode())
    assert found, "no next page"
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(html.unescape(found[1])):
        params.setdefault(name, []).append(value)
    return params


@each_change(PAGE_CHANGES)
def test_the_explore_page_offers_to_start_again_under_another_filter_or_sort(
    make_listing, make_slot, first, other
):
    _listings(make_listing, make_slot, 21)  # a page and one more
    client = Client()
    params = _next_params(client.get("/explore/", {"q": "harbour", "tz": "UTC", **first}))
    # The search it was signed for still turns the page.
    assert client.get("/explore/", params).status_code == 200
    changed = {name: value for name, value in params.items() if name not in first}
    changed.update(other)

    page = client.get("/explore/", changed)

    assert page.status_code == 400
    text = page.content.decode()
    assert f"<li>Page: {ANOTHER_SEARCH}</li>" in text
    restart = re.search(r'<a href="\?([^"]*)"[^>]*>Start again</a>', text)
    assert restart, text
    again = html.unescape(restart[1])
    assert "cursor" not in dict(parse_qsl(again))
    assert client.get("/explore/?" + again).status_code == 200


# The fingerprint also keys the cache of anonymous searches (cache.cached_search): a parameter
# missing from it would serve one search's cached page for the other. Here each other search
# answers differently from the first (checked), so the cached first page cannot pass for it.
CACHE_CHANGES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("q", {"q": "harbour"}, {"q": "swim"}),
    ("guests", {"guests": "2"}, {"guests": "11"}),  # more than one booking takes
    ("category", {"category": "tours"}, {"category": "food"}),
    ("date_from", {"date_from": _day(1)}, {"date_from": _day(5)}),
    ("date_to", {"date_to": _day(10)}, {"date_to": _day(2)}),
    ("price_min", {"price_min": "0"}, {"price_min": "1000000"}),
    ("price_max", {"price_max": "100000"}, {"price_max": "100"}),
    # 20 CAD are about 13.51 EUR, or 2,189 yen.
    (
        "currency",
        {"currency": "EUR", "price_max": "1500"},
        {"currency": "JPY", "price_max": "1500"},
    ),
    ("duration_min", {"duration_min": "30"}, {"duration_min": "100"}),
    ("duration_max", {"duration_max": "120"}, {"duration_max": "60"}),
    ("language", {"language": "en"}, {"language": "de"}),
    ("city", {"city": "Toronto"}, {"city": "Montreal"}),
    ("country", {"country": "CA"}, {"country": "US"}),
    ("near", {"near": "Toronto"}, {"near": "Montreal"}),
    ("lat/lng", {"lat": "43.65", "lng": "-79.38"}, {"lat": "43.70", "lng": "-79.38"}),
    (
        "radius_km",  # Toronto is about 505 km from Montreal
        {"lat": "45.50", "lng": "-73.57", "radius_km": "600"},
        {"lat": "45.50", "lng": "-73.57", "radius_km": "100"},
    ),
    ("bbox", {"bbox": "40,-80,45,-75"}, {"bbox": "44,-80,45,-75"}),
    ("sort", {"sort": "price_asc"}, {"sort": "price_desc"}),  # ties in id order, both ways
    ("sort by date", {"sort": "soonest"}, {"sort": "newest"}),
]


@each_change(CACHE_CHANGES)
def test_an_anonymous_search_is_not_served_the_cached_page_of_another(
    make_listing, make_slot, host, first, other
):
    _listings(make_listing, make_slot, 3)
    base = {"q": "harbour", "tz": "UTC"}
    signed_in = {"Authorization": f"Bearer {create_api_token(user=host.user, name='t').secret}"}
    # A signed-in caller's search is run for them, never read from the cache.
    fresh = Client().get("/api/v1/search", {**base, **other}, headers=signed_in)
    assert fresh.status_code == 200, fresh.content
    client = Client()
    cached = client.get("/api/v1/search", {**base, **first})
    assert cached.status_code == 200, cached.content
    assert cached.json() != fresh.json()

    response = client.get("/api/v1/search", {**base, **other})

    assert response.status_code == 200, response.content
    assert response.json() == fresh.json()


@pytest.mark.parametrize(
    ("sort", "order"),
    [("price_desc", ["dear", "free", "yen"]), ("price_asc", ["free", "dear", "yen"])],
)
def test_a_listing_without_a_rate_comes_last_after_a_free_one_page_by_page(
    make_listing, sort, order
):
    """A listing whose currency has no rate has no price to show the viewer: it comes last
    in both price sorts, after a free listing too (its key is past every price, -1 going
    down, where a free listing's is 0), and the pages walk every hit once."""
    ExchangeRate.objects.filter(currency="JPY").delete()
    ids = {
        make_listing("free walk", currency="EUR", price_amount=0).pk: "free",
        make_listing("dear walk", currency="EUR", price_amount=5000).pk: "dear",
        make_listing("yen walk", currency="JPY", price_amount=2000).pk: "yen",
    }
    params = {"q": "walk", "sort": sort, "limit": 1}

    seen = _ids_of_every_page(Client(), params, between=lambda: None)

    assert [ids[pk] for pk in seen] == order
