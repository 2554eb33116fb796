"""A place name that several countries share: a visitor can choose each of them. Autocomplete
offered the name once, linking to the larger place, and `near=` resolved a name to the larger
too; the other was reachable only through `country=` in a hand-edited URL (the explore page shows
no country field unless the URL has one), which also filters the listings to that country."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from outings.search.related import autocomplete, find_place
from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_parises(make_listing: Any) -> None:
    for title in ("Seine walk", "Louvre walk"):
        make_listing(
            title, city="Paris", country_code="FR", latitude=48.85, longitude=2.35, currency="EUR"
        )
    make_listing("Tower walk", city="Paris", country_code="US", latitude=33.66, longitude=-95.55)
    make_listing("Harbour walk", city="Toronto")
    refresh_lexicon()


@pytest.mark.usefixtures("two_parises")
def test_autocomplete_offers_each_country_of_a_shared_name() -> None:
    places = [c.label for c in autocomplete(prefix="pari") if c.kind == "place"]

    assert places == ["Paris, FR", "Paris, US"]  # the larger first
    # A name no other country shares keeps its name alone.
    assert [c.label for c in autocomplete(prefix="toro") if c.kind == "place"] == ["Toronto"]


@pytest.mark.usefixtures("two_parises")
@pytest.mark.parametrize(
    ("name", "point"),
    [
        ("Paris, US", (33.66, -95.55)),
        ("paris,us", (33.66, -95.55)),
        (" Paris ,  us ", (33.66, -95.55)),
        ("Paris, FR", (48.85, 2.35)),
        ("Paris", (48.85, 2.35)),
        ("Paris, DE", None),  # no Paris there
        ("Toronto, CA", (43.65, -79.38)),
    ],
)
def test_a_place_name_may_name_its_country(name: str, point: tuple[float, float] | None) -> None:
    place = find_place(name)

    assert (place and (place.latitude, place.longitude)) == point


@pytest.mark.usefixtures("two_parises")
def test_the_explore_pages_suggestion_searches_near_the_other_country(client: Any) -> None:
    suggestions = client.get("/explore/suggest", {"q": "pari", "guests": "2"})
    assert suggestions.status_code == 200
    [link] = [
        part.split('"', 1)[0]
        for part in suggestions.content.decode().split('href="')[1:]
        if "Paris%2C+US" in part.split('"', 1)[0]
    ]
    params = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert params == {"near": ["Paris, US"], "guests": ["2"]}

    page = client.get("/explore/", {"near": "Paris, US"})

    assert page.status_code == 200
    assert next((hit.title, hit.distance_km) for hit in page.context["page"].hits) == (
        "Tower walk",
        0,
    )


@pytest.mark.usefixtures("two_parises")
def test_the_api_searches_near_a_place_of_the_country_named(client: Any) -> None:
    answer = client.get("/api/v1/search", {"near": "Paris, US", "radius_km": 50})

    assert answer.status_code == 200, answer.content
    assert [hit["title"] for hit in answer.json()["results"]] == ["Tower walk"]
    assert [s["label"] for s in client.get("/api/v1/autocomplete", {"q": "paris"}).json()] == [
        "Paris, FR",
        "Paris, US",
    ]


@pytest.mark.usefixtures("two_parises")
def test_the_two_places_of_one_name_are_two_searches_for_the_cursor(client: Any) -> None:
    first = client.get("/api/v1/search", {"near": "Paris", "limit": 1}).json()

    other = client.get("/api/v1/search", {"near": "Paris, US", "limit": 1, "cursor": first["next"]})

    assert other.status_code == 400, other.content
    assert "query.cursor" in other.json()["error"]["fields"]
