"""Review (session 17) of a search's cursor and cache: what they are bound to, and the snapshot
a page is read in. Each test of a defect failed on the code it was written against, and says
what was seen and why it is wrong; the others pin what is right and say why."""

from typing import Any

import pytest
from django.test import Client

from outings.accounts.services import create_api_token
from outings.search.services import refresh_lexicon
from outings.search.tests.test_review_session16_cursor import (
    ANOTHER_SEARCH,
    _listings,
    _next_params,
)

pytestmark = pytest.mark.django_db


# --- a cursor and the same search written another way -------------------------------------

# (what differs, the first search's parameters, the same search written another way)
SAME_SEARCH: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "categories in another order",
        {"category": ["tours", "food"]},
        {"category": ["food", "tours"]},
    ),
    ("a category twice", {"category": ["tours", "tours"]}, {"category": "tours"}),
    ("languages in another order", {"language": ["en", "de"]}, {"language": ["de", "en"]}),
    (
        "cities in another order",
        {"city": ["Toronto", "Montreal"]},
        {"city": ["Montreal", "Toronto"]},
    ),
    ("a country in another case", {"country": "CA"}, {"country": "ca"}),
    ("a place in another case", {"near": "Toronto"}, {"near": "toronto"}),
]
# (what differs, the first search's parameters, another search): still a 400.
ANOTHER: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("a category fewer", {"category": ["tours", "food"]}, {"category": "tours"}),
    ("a language fewer", {"language": ["en", "de"]}, {"language": "en"}),
    # A city is compared as written: "toronto" finds no listing in "Toronto".
    ("a city in another case", {"city": "Toronto"}, {"city": "toronto"}),
]


def each(cases: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> Any:
    return pytest.mark.parametrize(
        ("first", "other"), [(a, b) for _, a, b in cases], ids=[name for name, _, _ in cases]
    )


def _second_page(client: Client, first: dict[str, Any], other: dict[str, Any]) -> Any:
    """The API's answer to the search `other` with the cursor of the search `first`'s first
    page (a walk a page)."""
    base = {"q": "harbour", "limit": "1", "tz": "UTC"}
    page = client.get("/api/v1/search", {**base, **first}).json()
    assert page["next"], page
    return client.get("/api/v1/search", {**base, **other, "cursor": page["next"]})


@each(SAME_SEARCH)
def test_a_cursor_turns_the_page_of_the_same_search_written_another_way(
    make_listing, make_slot, host, first, other
):
    """The cursor was bound to the filters as sent: `category=tours&category=food` refused the
    cursor of `category=food&category=tours` ("This cursor belongs to another search."),
    though the categories are OR-ed and both searches find the same listings; so did a country
    in another case (the search compares it in capitals) and a place name in another case
    (found whatever its case). Searched for a signed-in caller, whose search no cache
    answers."""
    _listings(make_listing, make_slot, 3)
    signed_in = {"Authorization": f"Bearer {create_api_token(user=host.user, name='t').secret}"}
    client = Client(headers=signed_in)
    same = _second_page(client, first, first)
    assert same.status_code == 200, same.content

    response = _second_page(client, first, other)

    assert response.status_code == 200, response.content
    assert response.json() == same.json()


@each(ANOTHER)
def test_a_cursor_of_another_search_is_still_refused(make_listing, make_slot, first, other):
    _listings(make_listing, make_slot, 3)

    response = _second_page(Client(), first, other)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"query.cursor": [ANOTHER_SEARCH]}


def test_the_explore_page_turns_the_page_with_its_categories_ticked_in_another_order(
    make_listing, make_slot
):
    """The page's categories come in the order of their boxes, which is the order of their
    counts: a link shared or edited with them in another order answered 400 "Start again"."""
    _listings(make_listing, make_slot, 21)  # a page and one more
    client = Client()
    first = {"q": "harbour", "tz": "UTC", "category": ["tours", "food"]}
    params = _next_params(client.get("/explore/", first))

    reordered = client.get("/explore/", {**params, "category": ["food", "tours"]})

    assert reordered.status_code == 200, reordered.content
    second = client.get("/explore/", params)
    assert [hit.listing_id for hit in reordered.context["page"].hits] == [
        hit.listing_id for hit in second.context["page"].hits
    ]


def test_the_same_search_written_another_way_is_served_from_the_cache(
    make_listing, make_slot, django_assert_num_queries
):
    """The cursor's fingerprint keys the cache of anonymous searches too: the same search
    written another way is one entry."""
    _listings(make_listing, make_slot, 3)
    client = Client()
    params = {"q": "harbour", "category": ["tours", "food"], "country": "CA"}
    cached = client.get("/api/v1/search", params)
    assert cached.status_code == 200, cached.content

    with django_assert_num_queries(1):  # the catalogue version; no search
        response = client.get(
            "/api/v1/search", {"q": "harbour", "category": ["food", "tours"], "country": "ca"}
        )

    assert response.json() == cached.json()


# --- the viewer's language and the cache ----------------------------------------------------


@pytest.fixture
def misspelt(make_listing: Any) -> str:
    """A search that is corrected ("harbur" shown as "harbour"), with facets."""
    make_listing("Harbour walk", languages=["en", "de"])
    make_listing("Harbour cruise", category="food", city="Montreal")
    refresh_lexicon()
    return "harbur"


def test_a_search_answers_the_same_json_in_every_language(misspelt, host):
    """Nothing in the API's answer is translated: hits, facets (slugs and codes), the
    correction (a word of the lexicon) and cursors; run for a signed-in caller each time."""
    token = create_api_token(user=host.user, name="t").secret
    answers = [
        Client(headers={"Authorization": f"Bearer {token}", "Accept-Language": language})
        .get("/api/v1/search", {"q": misspelt, "limit": 1})
        .json()
        for language in ("en", "de")
    ]

    assert answers[0]["corrected"] is True
    assert answers[0]["suggestion"] == "harbour"
    assert answers[0]["facets"]["language"]
    assert answers[1] == answers[0]


def test_an_anonymous_search_in_another_language_is_served_from_the_cache(
    misspelt, django_assert_num_queries
):
    """The cache of anonymous searches was keyed by the viewer's language too, which the
    search does not read: the German visitor's search ran again for the answer the English
    visitor's had cached."""
    english = Client(headers={"Accept-Language": "en"}).get("/api/v1/search", {"q": misspelt})
    assert english.status_code == 200, english.content

    with django_assert_num_queries(1):  # the catalogue version; no search
        german = Client(headers={"Accept-Language": "de"}).get("/api/v1/search", {"q": misspelt})

    assert german.json() == english.json()


def test_the_explore_page_is_cached_in_each_language(misspelt):
    """What the page says around the results is translated ("Showing results for"), so the
    page itself stays keyed by its language (outings.common.pagecache): the German visitor
    never gets the English visitor's cached page, though both share the search's results."""
    english = Client(headers={"Accept-Language": "en"}).get("/explore/", {"q": misspelt})
    german = Client(headers={"Accept-Language": "de"}).get("/explore/", {"q": misspelt})

    assert "Showing results for “harbour”." in english.content.decode()
    assert "Ergebnisse für „harbour“." in german.content.decode()
    assert "Showing results for" not in german.content.decode()
