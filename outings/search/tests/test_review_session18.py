"""Review (session 18) of what makes two searches the same one: the text's case, a time zone's
other name, a place name with or without its accents. Each test of a defect failed on the code
it was written against, and says what was seen and why it is wrong; the others pin what is
right and say why."""

from dataclasses import fields
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client

from outings.accounts.services import create_api_token
from outings.common import signed
from outings.search.engine.cursors import CURSOR_SALT
from outings.search.query import SearchQuery
from outings.search.services import refresh_lexicon
from outings.search.tests.test_review_session14 import RESTART
from outings.search.tests.test_review_session16_cursor import _listings

pytestmark = pytest.mark.django_db


def _signed_in(host: Any) -> Client:
    """A caller whose searches no cache answers: each page is searched for them."""
    token = create_api_token(user=host.user, name="t").secret
    return Client(headers={"Authorization": f"Bearer {token}"})


def _second_page(client: Client, first: dict[str, Any], other: dict[str, Any]) -> Any:
    """The API's answer to the search `other` with the cursor of the search `first`'s first
    page (a walk a page)."""
    page = client.get("/api/v1/search", {"limit": "1", **first}).json()
    assert page["next"], page
    return client.get("/api/v1/search", {"limit": "1", **other, "cursor": page["next"]})


def _without_cursors(answer: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in answer.items() if name not in ("next", "previous")}


# --- the text's case ------------------------------------------------------------------------


def test_the_same_text_in_another_case_is_served_from_the_cache(
    make_listing, make_slot, django_assert_num_queries
):
    """ "Kayak" and "kayak" are the same search (the text is read without case), but the cache
    of anonymous searches was keyed by the text as typed: the second spelling searched again
    and kept a second copy of the same answer."""
    _listings(make_listing, make_slot, 3)
    client = Client()
    cached = client.get("/api/v1/search", {"q": "Harbour WALK"})
    assert cached.status_code == 200, cached.content

    with django_assert_num_queries(1):  # the catalogue version; no search
        response = client.get("/api/v1/search", {"q": "harbour walk"})

    assert response.json() == cached.json()


def test_a_corrected_search_says_the_same_whatever_the_case_it_was_typed_in(
    make_listing, make_slot, host
):
    """ "Did you mean" echoed the words it kept in the case they were typed in ("harbour WALK"
    for "Harbur WALK"), which is what made the two spellings two cache entries: shared, one
    visitor would have read the other's capitals. It is now written as the search reads the
    text, the same for every spelling, and the cached answer is right for both."""
    _listings(make_listing, make_slot, 3)
    client = _signed_in(host)

    answers = [
        client.get("/api/v1/search", {"q": text}).json()
        for text in ("Harbur WALK", "harbur walk", "HARBUR Walk")
    ]
    anonymous = Client().get("/api/v1/search", {"q": "harbur walk"}).json()
    shared = Client().get("/api/v1/search", {"q": "HARBUR WALK"}).json()

    assert answers[0]["corrected"] is True
    assert answers[0]["suggestion"] == "harbour walk"
    assert len(answers[0]["results"]) == 3
    assert answers[1] == answers[2] == answers[0]
    assert anonymous == shared == answers[0]


def test_a_cursor_turns_the_page_of_the_same_text_in_another_case(make_listing, make_slot, host):
    """A cached first page's cursors are signed for whoever searched first: the next page of
    "harbour walk" must take the cursor of "Harbour Walk" (it was "This cursor belongs to
    another search.")."""
    _listings(make_listing, make_slot, 3)
    client = _signed_in(host)
    same = _second_page(client, {"q": "Harbour Walk"}, {"q": "Harbour Walk"})
    assert same.status_code == 200, same.content

    response = _second_page(client, {"q": "Harbour Walk"}, {"q": "harbour  walk"})

    assert response.status_code == 200, response.content
    assert response.json() == same.json()


def test_the_explore_page_echoes_the_text_as_typed_in_its_box(make_listing, make_slot):
    """The box keeps what the visitor typed (from the URL), whatever the search reads."""
    _listings(make_listing, make_slot, 3)

    response = Client().get("/explore/", {"q": "Harbour WALK"})

    assert response.status_code == 200
    assert 'value="Harbour WALK"' in response.content.decode()


# --- a time zone's other name, a place's other spelling ---------------------------------------

ZONE_ALIASES = [
    ("America/Toronto", "America/Montreal"),
    ("America/New_York", "US/Eastern"),
    ("UTC", "Etc/UTC"),
]


@pytest.mark.parametrize(("zone", "alias"), ZONE_ALIASES, ids=[a for _, a in ZONE_ALIASES])
def test_a_cursor_turns_the_page_in_another_name_of_the_same_zone(
    make_listing, make_slot, host, zone, alias
):
    """ "US/Eastern" is another name of "America/New_York" (a link in the tz database: one set of
    rules, so the same days and the same matches); its cursor was refused as one of another
    time zone ("start again from the first page")."""
    _listings(make_listing, make_slot, 3)
    client = _signed_in(host)
    first = {"q": "harbour", "tz": zone}  # without dates too, the zone binds the cursor
    same = _second_page(client, first, first)
    assert same.status_code == 200, same.content

    response = _second_page(client, first, {**first, "tz": alias})

    assert response.status_code == 200, response.content
    # The same page; its own cursors are signed in the zone's name it was asked in.
    assert _without_cursors(response.json()) == _without_cursors(same.json())
    assert response.json()["previous"]
    assert response.json()["next"]


def test_a_cursor_of_another_zone_is_still_refused(make_listing, make_slot, host):
    """Toronto and New York keep the same clock today, but they are two zones with two
    histories: one's cursor is not the other's."""
    _listings(make_listing, make_slot, 3)

    response = _second_page(
        _signed_in(host),
        {"q": "harbour", "tz": "America/Toronto"},
        {"q": "harbour", "tz": "America/New_York"},
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"query.cursor": [RESTART]}


def test_the_same_search_in_another_name_of_its_zone_is_served_from_the_cache(
    make_listing, make_slot, django_assert_num_queries
):
    _listings(make_listing, make_slot, 3)
    client = Client()
    cached = client.get("/api/v1/search", {"q": "harbour", "tz": "US/Eastern", "guests": "2"})
    assert cached.status_code == 200, cached.content

    with django_assert_num_queries(1):  # the catalogue version; no search
        response = client.get(
            "/api/v1/search", {"q": "harbour", "tz": "America/New_York", "guests": "2"}
        )

    assert response.json() == cached.json()


@pytest.fixture
def malaga(make_listing: Any, make_slot: Any) -> None:
    """Three walks in Málaga, a place `near=` knows by its name with and without the accent."""
    for n in range(3):
        listing = make_listing(
            f"Harbour walk {n}",
            city="Málaga",
            country_code="ES",
            latitude=36.72,
            longitude=-4.42,
            time_zone="Europe/Madrid",
        )
        make_slot(listing, in_days=3 + n / 24)
    refresh_lexicon()


@pytest.mark.parametrize("spelling", ["Malaga", "MÁLAGA", " málaga "])
def test_a_cursor_turns_the_page_near_a_place_spelt_another_way(malaga, host, spelling):
    """`near=` finds "Málaga" without its accent (the database compares names unaccented), but
    the cursor was bound to the name lower-cased by Python, accents kept: the cursor of
    `near=Málaga` was "another search" for `near=Malaga`."""
    client = _signed_in(host)
    first = {"q": "harbour", "near": "Málaga"}
    same = _second_page(client, first, first)
    assert same.status_code == 200, same.content

    response = _second_page(client, first, {**first, "near": spelling})

    assert response.status_code == 200, response.content
    assert response.json() == same.json()


def test_a_cursor_signed_with_the_text_as_typed_still_turns_the_page(make_listing, make_slot, host):
    """Cursors handed out before this change carry the text as it was typed ("Harbour Walk"):
    they are read in the one form too, so no page in a visitor's hands became "another
    search"."""
    _listings(make_listing, make_slot, 3)
    client = _signed_in(host)
    page = client.get("/api/v1/search", {"q": "harbour walk", "limit": "1"}).json()
    data = signed.unsign(page["next"], salt=CURSOR_SALT)
    data["q"][0] = "Harbour  Walk"
    typed = signed.sign(data, salt=CURSOR_SALT)

    response = client.get("/api/v1/search", {"q": "Harbour Walk", "limit": "1", "cursor": typed})

    assert response.status_code == 200, response.content
    same = client.get("/api/v1/search", {"q": "harbour walk", "limit": "1", "cursor": page["next"]})
    assert _without_cursors(response.json()) == _without_cursors(same.json())


# --- the viewer's language ------------------------------------------------------------------


def test_the_query_holds_no_viewer_language():
    """`SearchQuery.language` (the page's language, which the API and the page passed in) was
    never read: the text is read in every language of the catalogue whatever the viewer's
    (docs/search.md, "The query"), and the cache is not keyed by it. A field that looks as if
    it chose the text's reading, and does nothing, is gone."""
    assert "language" not in {field.name for field in fields(SearchQuery)}


# --- numbers nearer 0 than a float8 computes with -------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/search", "/explore/"])
def test_a_point_a_hair_from_zero_is_searched_as_zero(make_listing, path):
    """lat=5e-324 (a subnormal float, as near 0 as a number gets) made PostgreSQL's radians()
    underflow: "value out of range: underflow", a 500. It is the point 0,0: no place is nearer
    to it than float8 can tell."""
    make_listing("Null island walk", latitude=0.0, longitude=0.0)
    zero = Client().get(path, {"lat": "0", "lng": "0", "radius_km": "1"})
    assert zero.status_code == 200

    response = Client().get(path, {"lat": "5e-324", "lng": "-1e-320", "radius_km": "1"})

    assert response.status_code == 200, response.content
    assert _titles(response) == _titles(zero) == ["Null island walk"]


@pytest.mark.parametrize("path", ["/api/v1/search", "/explore/"])
def test_a_radius_a_hair_above_zero_finds_what_is_at_the_point(make_listing, path):
    """radius_km=1e-320 is greater than 0, so taken, and made PostgreSQL's division of it by the
    earth's radius underflow (a 500). No two places are so near without being at one point:
    it finds the listings at the point, as any radius below a micrometre does."""
    make_listing("Null island walk", latitude=0.0, longitude=0.0)
    make_listing("Harbour walk", latitude=0.0, longitude=0.0001)

    response = Client().get(path, {"lat": "0", "lng": "0", "radius_km": "1e-320"})

    assert response.status_code == 200, response.content
    assert _titles(response) == ["Null island walk"]
    micrometre = Client().get(path, {"lat": "0", "lng": "0", "radius_km": "1e-9"})
    assert _titles(micrometre) == ["Null island walk"]


def _titles(response: Any) -> list[str]:
    """The titles of the hits, from the API's answer or the explore page's."""
    if response["Content-Type"].startswith("application/json"):
        return [hit["title"] for hit in response.json()["results"]]
    return [hit.title for hit in response.context["page"].hits]


def test_the_did_you_mean_link_carries_the_text_once(make_listing, make_slot):
    """The explore page's "Did you mean" link appended `q=<suggestion>` to the page's own query,
    which already held the text typed: `?q=harbur&sort=price&q=harbour`. It worked only
    because the last `q` wins; a shared or bookmarked link held two texts. The link is the
    same search with the suggestion as its only text, the other fields kept."""
    _listings(make_listing, make_slot, 3)

    # "swim" finds the swim, "harbur" nothing: a suggestion, not a correction.
    response = Client().get("/explore/", {"q": "harbur or swim", "sort": "price_asc"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Did you mean" in html, html
    link = html.split("Did you mean", 1)[1].split('href="', 1)[1].split('"', 1)[0]
    query = QueryDict(link.lstrip("?").replace("&amp;", "&"))
    assert query.getlist("q") == ["harbour or swim"], link
    assert query.getlist("sort") == ["price_asc"], link
