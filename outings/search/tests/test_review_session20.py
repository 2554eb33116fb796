"""Review (session 20) of search and explore: each test of a defect failed on the code it was
written against, and says what was seen and why it is wrong."""

import re
from typing import Any

import pytest
from django.test import Client

from outings.search.services import refresh_lexicon
from outings.search.tests.test_review_explore import resubmitted

pytestmark = pytest.mark.django_db

BOTH = "A place or coordinates, not both."


# --- a place and a point at once -----------------------------------------------------------


def test_the_api_refuses_a_place_and_coordinates_together(make_listing: Any) -> None:
    """`near=Madrid&lat=43.65&lng=-79.38` searched around the coordinates with a 200 and said
    nothing of the place, which was dropped: the client asked for two points and got one it
    cannot tell from the answer."""
    make_listing("Harbour walk")
    refresh_lexicon()

    answer = Client().get("/api/v1/search", {"near": "Toronto", "lat": "40.4", "lng": "-3.7"})

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"] == {"query.near": [BOTH]}
    assert Client().get("/api/v1/search", {"near": "Toronto"}).status_code == 200
    assert Client().get("/api/v1/search", {"lat": "40.4", "lng": "-3.7"}).status_code == 200


def test_the_page_names_a_place_typed_beside_the_coordinates_of_its_url(
    make_listing: Any,
) -> None:
    """A page opened from a URL with `lat` and `lng` (a shared or an API-made one) kept them in
    hidden fields, which the visitor could neither see nor clear: a place typed in "Near" was
    then dropped, and every search stayed around the URL's point while the box said "Madrid".
    Now the point is shown as fields to change or clear, and both at once are a mistake named
    by "Near", as in the API."""
    make_listing("Harbour walk")
    refresh_lexicon()
    client = Client()

    opened = client.get("/explore/", {"lat": "43.65", "lng": "-79.38"})
    assert opened.status_code == 200
    html = opened.content.decode()
    for name in ("lat", "lng"):
        [field] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
        assert 'type="hidden"' not in field, field
        assert 'value="' in field
    typed = {**resubmitted(html), "near": ["Toronto"]}

    page = client.get("/explore/", typed)

    assert page.status_code == 400
    assert page.context["problems"] == [f"Near: {BOTH}"]
    cleared = {name: values for name, values in typed.items() if name not in ("lat", "lng")}
    assert client.get("/explore/", cleared).status_code == 200


# --- several cities or languages in the URL --------------------------------------------------


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"city": ["Toronto", "Montreal"]}, {"Toronto walk", "Montreal walk"}),
        ({"language": ["fr", "de"]}, {"Montreal walk", "Berlin walk"}),
    ],
)
def test_the_page_searches_every_city_and_language_of_its_url(
    make_listing: Any, params: dict[str, list[str]], found: set[str]
) -> None:
    """The API takes `city` and `language` several times (OR-ed), and the page read the same
    URL with its last value only: `city=Toronto&city=Montreal` showed Montreal alone, and the
    next search (the form as rendered) dropped Toronto from the URL for good."""
    make_listing("Toronto walk", city="Toronto", languages=["en"])
    make_listing("Montreal walk", city="Montreal", languages=["fr"])
    make_listing("Berlin walk", city="Berlin", languages=["de"])
    client = Client()

    page = client.get("/explore/", params)
    api = client.get("/api/v1/search", params)

    assert page.status_code == 200
    assert {hit.title for hit in page.context["page"].hits} == found
    assert {hit["title"] for hit in api.json()["results"]} == found
    [(name, values)] = params.items()
    assert sorted(resubmitted(page.content.decode())[name]) == sorted(values)


# --- the country of an API-made URL ----------------------------------------------------------


def test_the_page_searches_the_country_of_its_url(make_listing: Any) -> None:
    """`country` is one of the API's filters, and the page, which reads the API's parameter
    names, ignored it: `/explore/?country=DE` (a URL made from an API search) listed every
    country's listings, and the next search dropped it from the URL."""
    make_listing("Toronto walk", city="Toronto", country_code="CA")
    make_listing("Berlin walk", city="Berlin", country_code="DE")
    client = Client()

    page = client.get("/explore/", {"country": "de"})

    assert page.status_code == 200
    assert [hit.title for hit in page.context["page"].hits] == ["Berlin walk"]
    assert resubmitted(page.content.decode())["country"] == ["de"]
    assert [hit["title"] for hit in client.get("/api/v1/search?country=de").json()["results"]] == [
        "Berlin walk"
    ]


def test_the_page_names_a_country_that_is_no_country_code(rates: None) -> None:
    page = Client().get("/explore/", {"country": "Germany"})

    assert page.status_code == 400
    assert page.context["problems"] == [
        "Country: Use an ISO 3166-1 country code, such as DE or GB."
    ]


# --- a listing with half a point -------------------------------------------------------------


@pytest.mark.parametrize("sort", ["relevance", "distance"])
def test_a_listing_with_half_a_point_is_no_hit_near_a_place(make_listing: Any, sort: str) -> None:
    """Nothing in the database keeps a listing's latitude and longitude together (the admin
    can clear one), and a search near a point kept every listing with a latitude. One without
    a longitude has no place (`catalog_listing.place` is NULL), and `least(1.0, NULL)` made
    its distance half the earth's circumference: it was a hit "20037.6 km away", counted by the
    facets, and by distance its NULL key came last on a page that reached it and was skipped
    by the cursor of a page that did not (the count said 3, the pages showed 2). A listing
    with no point is no hit near a place, as one without a latitude always was."""
    make_listing("Harbour walk near", latitude=43.65, longitude=-79.38)
    make_listing("Harbour walk nowhere", latitude=43.7, longitude=None)
    make_listing("Harbour walk far", latitude=43.66, longitude=-79.39)
    params = {"q": "harbour walk", "lat": "43.65", "lng": "-79.38", "sort": sort}
    client = Client()

    whole = client.get("/api/v1/search", params).json()
    titles, cursor = [], None
    for _ in range(4):
        turn: dict[str, str] = {"cursor": cursor} if cursor else {}
        answer = client.get("/api/v1/search", {**params, "limit": "1", **turn}).json()
        titles += [hit["title"] for hit in answer["results"]]
        cursor = answer["next"]
        if cursor is None:
            break

    expected = ["Harbour walk near", "Harbour walk far"]
    assert [hit["title"] for hit in whole["results"]] == expected
    assert [hit["distance_km"] for hit in whole["results"]] == [0.0, 1.374]
    assert sum(value["count"] for value in whole["facets"]["category"]) == 2
    assert titles == expected


# --- how a too long name is named ------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"near": "x" * 101}, "query.near", "String should have at most 100 characters"),
        ({"city": "x" * 121}, "query.city", "String should have at most 120 characters"),
        ({"near": "Tor\x00onto"}, "query.near", "Value error, must not contain NUL characters"),
    ],
)
def test_the_api_names_a_too_long_place_or_city_by_its_characters(
    rates: None, params: dict[str, str], field: str, message: str
) -> None:
    """A place name or a city over its bound was refused with "Value should have at most 100
    items after validation, not 101": pydantic checked the length after the text's own
    validator, where it no longer knows a string, and counted "items" (`q`, whose bound comes
    first, said "characters")."""
    answer = Client().get("/api/v1/search", params)

    assert answer.status_code == 400
    [(name, [text])] = answer.json()["error"]["fields"].items()
    assert name == field
    assert text.startswith(message), text


# --- a place that autocomplete offers and the search does not know ------------------------------


def test_autocomplete_offers_only_places_a_search_can_be_near(make_listing: Any) -> None:
    """A city whose listings have no point (imported places may come without coordinates)
    was offered as a place as you type, and its link (`?near=Ruralton`) answered "We do not
    know that place." (400): the place had no point to search near. A listing with half a point
    also moved the median of its city's. Now a place is made from the listings with a point."""
    make_listing("Barn dance", city="Ruralton", latitude=None, longitude=None)
    make_listing("Harbour walk", city="Toronto", latitude=43.65, longitude=-79.38)
    make_listing("Ferry ride", city="Toronto", latitude=10.0, longitude=None)
    make_listing("Island picnic", city="Toronto", latitude=43.63, longitude=-79.36)
    refresh_lexicon()
    client = Client()

    offered = client.get("/api/v1/autocomplete", {"q": "Ruralt"}).json()
    toronto = client.get("/api/v1/search", {"near": "Toronto", "q": "harbour"}).json()

    assert [c for c in offered if c["kind"] == "place"] == []
    assert client.get("/explore/", {"near": "Ruralton"}).status_code == 400
    # From the median of the two points (43.64, -79.37), not from a latitude of 43.63, the
    # median of 43.65, 10.0 and 43.63 (2.365 km).
    assert toronto["results"][0]["distance_km"] == 1.374
