"""Places by name (`near=`, offline): one place per name and country, and a name that several
countries share resolves the same way every time, to the one the search's country names, else
the larger (more listings), else the one spelled as typed."""

from typing import Any

import pytest

from outings.search.related import autocomplete, find_place
from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db

PARIS_FR = (48.85, 2.35)
PARIS_US = (33.66, -95.55)


def _point(name: str, country: str = "") -> tuple[float, float] | None:
    place = find_place(name, country=country)
    return None if place is None else (place.latitude, place.longitude)


def test_two_countries_places_of_one_name_are_two_places_not_a_point_between(
    make_listing: Any,
) -> None:
    """Places were grouped by the name alone: Paris, France and Paris, Texas were one place,
    at the median of their points, which between one listing in each is mid-Atlantic."""
    make_listing("Seine walk", city="Paris", country_code="FR", latitude=48.85, longitude=2.35)
    make_listing("Tower walk", city="Paris", country_code="US", latitude=33.66, longitude=-95.55)
    make_listing("Louvre walk", city="Paris", country_code="FR", latitude=48.85, longitude=2.35)
    refresh_lexicon()

    assert _point("paris") == PARIS_FR  # the larger
    assert _point("Paris", "US") == PARIS_US  # the search's country
    assert _point("PARIS", "us") == PARIS_US
    assert _point("Paris", "DE") == PARIS_FR  # none there: the larger still
    # Autocomplete offers each, named with its country (session 22: the name once left the
    # smaller place unreachable from the explore page).
    assert [c.label for c in autocomplete(prefix="pari") if c.kind == "place"] == [
        "Paris, FR",
        "Paris, US",
    ]


def test_the_api_resolves_a_place_in_the_searchs_country(make_listing: Any, client: Any) -> None:
    make_listing("Seine walk", city="Paris", country_code="FR", latitude=48.85, longitude=2.35)
    make_listing("Louvre walk", city="Paris", country_code="FR", latitude=48.85, longitude=2.35)
    make_listing("Tower walk", city="Paris", country_code="US", latitude=33.66, longitude=-95.55)
    refresh_lexicon()

    answer = client.get("/api/v1/search", {"near": "Paris", "country": "US"})

    assert answer.status_code == 200
    assert [(hit["title"], hit["distance_km"]) for hit in answer.json()["results"]] == [
        ("Tower walk", 0)
    ]


def test_the_explore_page_resolves_a_place_in_the_searchs_country(
    make_listing: Any, client: Any
) -> None:
    make_listing("Seine walk", city="Paris", country_code="FR", latitude=48.85, longitude=2.35)
    make_listing("Louvre walk", city="Paris", country_code="FR", latitude=48.85, longitude=2.35)
    make_listing("Tower walk", city="Paris", country_code="US", latitude=33.66, longitude=-95.55)
    refresh_lexicon()

    page = client.get("/explore/", {"near": "Paris", "country": "US"})

    assert page.status_code == 200
    assert [hit.title for hit in page.context["page"].hits] == ["Tower walk"]
    assert page.context["page"].hits[0].distance_km == 0


def test_one_countrys_spellings_of_a_name_are_one_place(make_listing: Any) -> None:
    """ "Köln" and "Koln" in Germany were two places of one name: which one `near=koln` took
    depended on their counts, and on the table's order when equal."""
    for east in (6.95, 6.96):
        make_listing("Dom tour", city="Köln", country_code="DE", latitude=50.94, longitude=east)
    make_listing("Rhine tour", city="Koln", country_code="DE", latitude=50.94, longitude=6.97)
    refresh_lexicon()

    place = find_place("koln")

    assert place is not None
    # The median of all three, under the spelling most of them use.
    assert (place.latitude, place.longitude, place.name) == (50.94, 6.96, "koln")
    assert [c.label for c in autocomplete(prefix="kol") if c.kind == "place"] == ["Köln"]


def test_equal_places_of_one_name_resolve_to_the_spelling_typed_then_by_country(
    make_listing: Any,
) -> None:
    make_listing("Mezquita", city="Córdoba", country_code="ES", latitude=37.88, longitude=-4.78)
    make_listing("Cabildo", city="Cordoba", country_code="AR", latitude=-31.42, longitude=-64.18)
    make_listing("Alcázar", city="Cordoba", country_code="MX", latitude=18.88, longitude=-96.93)
    refresh_lexicon()

    assert _point("Córdoba") == (37.88, -4.78)
    # Two spelled so, as many listings each: the first country by its code.
    assert _point("Cordoba") == (-31.42, -64.18)
    assert _point("cordoba", "MX") == (18.88, -96.93)
