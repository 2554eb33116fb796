"""Review (session 17) of a search's cursor and cache: what they are bound to, and the snapshot
a page is read in. Each test of a defect failed on the code it was written against, and says
what was seen and why it is wrong; the others pin what is right and say why."""

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from outings.accounts.services import create_api_token
from outings.search.engine import search
from outings.search.engine import where as W
from outings.search.query import BoundingBox, Point, SearchQuery
from outings.search.services import load_exchange_rates, refresh_lexicon, refresh_ranking
from outings.search.tests.test_review_session15 import rates_with
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
    # A city is chosen without case or accents since session 22: "toronto" finds "Toronto".
    ("a city in another case", {"city": "Toronto"}, {"city": "toronto"}),
]
# (what differs, the first search's parameters, another search): still a 400.
ANOTHER: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("a category fewer", {"category": ["tours", "food"]}, {"category": "tours"}),
    ("a language fewer", {"language": ["en", "de"]}, {"language": "en"}),
    ("a city fewer", {"city": ["Toronto", "Montreal"]}, {"city": "Toronto"}),
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


# --- the parameters of the conditions -----------------------------------------------------

QUERIES: list[dict[str, Any]] = [
    {},
    {"text": "harbour walk", "guests": 2, "sort": "soonest"},
    {
        "text": "harbour",
        "country": "ca",
        "price_min": 1,
        "price_max": 5000,
        "duration_min": 10,
        "duration_max": 200,
        "near": Point(43.65, -79.38),
        "radius_km": 20,
        "bbox": BoundingBox(40, -80, 45, -75),
        "date_from": timezone.now().date(),
    },
]


@pytest.mark.parametrize("fields", QUERIES, ids=["nothing", "soonest", "every filter"])
def test_every_parameter_of_the_conditions_is_read_by_the_statement_with_its_value(
    make_listing, fields
):
    """Pinned (session 17, no defect): where.common bound the availability window's
    parameters that the page bound again for its next slots, whatever common had given them,
    and the viewer's rate, which the page's statement now reads itself (below). Each
    parameter it binds now reaches the page's statement as it gave it."""
    make_listing("harbour walk")
    query, now = SearchQuery(**fields), timezone.now()
    statements: list[tuple[str, Any]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        search(query, now=now)

    sql, params = next((sql, params) for sql, params in statements if "WITH base" in sql)
    for name, value in W.common(query, now).params.items():
        assert f"%({name})s" in sql, name
        assert params[name] == value, name


# --- a refresh or new rates committing between a search's two statements --------------------


def _while_a_change_commits[T](read: Callable[[], T], change: Callable[[], object]) -> T:
    """`read()`, with `change()` committed between the search's first statement (settings,
    the ranking version) and its page's: another connection holds catalog_category, which the
    first statement does not read and the page's does, until the page's statement waits for
    it, then makes the change and commits. PostgreSQL takes a statement's snapshot once it
    has its locks, so the page's statement reads what the change committed."""
    locked = threading.Event()
    failures: list[BaseException] = []

    def hold_then_change() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("LOCK TABLE catalog_category IN ACCESS EXCLUSIVE MODE")
                locked.set()
                deadline = time.monotonic() + 10
                waiting = False
                while not waiting and time.monotonic() < deadline:
                    time.sleep(0.005)
                    cursor.execute(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted"
                        " AND relation = 'catalog_category'::regclass)"
                    )
                    waiting = cursor.fetchone()[0]
                assert waiting, "the page's statement never came"
                change()
        except BaseException as failure:  # noqa: BLE001 - reported by the test below
            failures.append(failure)
        finally:
            locked.set()
            connection.close()

    changer = threading.Thread(target=hold_then_change)
    changer.start()
    try:
        assert locked.wait(10)
        result = read()
    finally:
        changer.join(10)
    assert not failures, failures
    return result


def _every_page(query: SearchQuery, first_cursor: str | None, first: list[int]) -> list[int]:
    seen, cursor = list(first), first_cursor
    while cursor:
        page = search(replace(query, cursor=cursor))
        seen += [hit.listing_id for hit in page.hits]
        cursor = page.next_cursor
    return seen


def _ids(query: SearchQuery) -> list[int]:
    return [hit.listing_id for hit in search(replace(query, limit=10)).hits]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("categories")  # a transactional test before may have flushed them
def test_a_first_page_read_after_a_refresh_committed_carries_the_version_it_read(walks):
    """The search read the ranking version in its first statement and the page in its second:
    a refresh committing in between made a first page read with the new qualities (the newest
    walks first) that its cursor labelled with the version before, so that its next page read
    the qualities before the refresh against keys computed after it, and showed the first
    page's two walks again (all five walks were below its last key). The page's statement
    now reads the version, and its cursors carry the one it read under."""
    query = SearchQuery(text="harbour walk", limit=2)
    assert _ids(query) == sorted(walks, reverse=True)  # alike: by id

    first = _while_a_change_commits(
        lambda: search(query), lambda: refresh_ranking(now=timezone.now())
    )

    seen = _every_page(query, first.next_cursor, [hit.listing_id for hit in first.hits])
    assert seen == walks == _ids(query)  # the newest first, each once


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("categories")
def test_a_later_page_read_after_a_refresh_committed_goes_on_in_its_first_pages_order(walks):
    """The second page of a search read before the refresh, when the refresh committed between
    its first statement (which found the version of the first page: nothing to read as of
    then) and its page's, read the new qualities, all above the first page's last key, and
    came back empty: the search ended after two walks. The page's statement finds the version
    moved, and the page is read again as of its first page's version."""
    query = SearchQuery(text="harbour walk", limit=2)
    first = search(query)
    order = [hit.listing_id for hit in first.hits]
    assert order == sorted(walks, reverse=True)[:2]

    second = _while_a_change_commits(
        lambda: search(replace(query, cursor=first.next_cursor)),
        lambda: refresh_ranking(now=timezone.now()),
    )

    order += [hit.listing_id for hit in second.hits]
    assert _every_page(query, second.next_cursor, order) == sorted(walks, reverse=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("categories")
def test_a_first_page_read_after_new_rates_committed_converts_and_labels_at_them(
    make_listing, tmp_path
):
    """New rates committing between the two statements: the first page converted the dollar
    listing at the new rate (3,000 EUR, after every euro listing) but was labelled with the
    version before, so the next pages converted it at the old rate (1,000 EUR, before the
    first page's last key) and never showed it."""
    ids = {
        "eur 900": make_listing("harbour walk a", currency="EUR", price_amount=900).pk,
        "usd 1080": make_listing("harbour walk b", currency="USD", price_amount=1080).pk,
        "eur 1100": make_listing("harbour walk c", currency="EUR", price_amount=1100).pk,
        "eur 1200": make_listing("harbour walk d", currency="EUR", price_amount=1200).pk,
    }
    query = SearchQuery(text="harbour walk", sort="price_asc", currency="EUR", limit=2)
    new_rates = rates_with(tmp_path, USD="0.36")

    first = _while_a_change_commits(
        lambda: search(query), lambda: load_exchange_rates(path=new_rates)
    )

    seen = _every_page(query, first.next_cursor, [hit.listing_id for hit in first.hits])
    assert seen == [ids["eur 900"], ids["eur 1100"], ids["eur 1200"], ids["usd 1080"]]
