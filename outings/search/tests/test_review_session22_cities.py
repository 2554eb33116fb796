"""A city is chosen as a place name is compared (near=): without case or accents. The filter
was exact, so "madrid" found nothing where "Madrid" found the city's listings, on the API and
the explore page alike, and the city facet did not show "Madrid" as the one chosen."""

from typing import Any

import pytest
from django.db import connection

from outings.search.engine import search
from outings.search.query import SearchQuery

pytestmark = pytest.mark.django_db
CITIES = 300


@pytest.fixture
def cities(make_listing: Any) -> None:
    make_listing("Prado tour", city="Madrid", country_code="ES", currency="EUR")
    make_listing("Retiro walk", city="Madrid", country_code="ES", currency="EUR")
    make_listing("Alcazaba visit", city="Málaga", country_code="ES", currency="EUR")
    make_listing("Harbour walk", city="Toronto")


def _api(client: Any, **params: Any) -> dict[str, Any]:
    answer = client.get("/api/v1/search", params)
    assert answer.status_code == 200, answer.content
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.usefixtures("cities")
@pytest.mark.parametrize(
    ("city", "titles"),
    [
        ("madrid", ["Prado tour", "Retiro walk"]),
        ("MADRID", ["Prado tour", "Retiro walk"]),
        ("Madrid", ["Prado tour", "Retiro walk"]),
        ("malaga", ["Alcazaba visit"]),
        ("MÁLAGA", ["Alcazaba visit"]),
        ("Madri", []),
    ],
)
def test_a_city_is_chosen_without_case_or_accents(
    client: Any, city: str, titles: list[str]
) -> None:
    assert sorted(hit["title"] for hit in _api(client, city=city)["results"]) == titles
    page = client.get("/explore/", {"city": city})
    assert page.status_code == 200
    assert sorted(hit.title for hit in page.context["page"].hits) == titles


@pytest.mark.usefixtures("cities")
def test_the_city_facet_shows_the_city_chosen_in_another_case(client: Any) -> None:
    facet = _api(client, city=["madrid", "toronto"])["facets"]["city"]

    assert {(v["value"], v["count"], v["selected"]) for v in facet} == {
        ("Madrid", 2, True),
        ("Toronto", 1, True),
        ("Málaga", 1, False),
    }


@pytest.mark.usefixtures("cities")
def test_a_city_chosen_beyond_the_fifteen_largest_is_shown_in_another_case(
    make_listing: Any,
) -> None:
    for n in range(16):
        for _ in range(2):
            make_listing(f"Walk {n}", city=f"Town {n:02}")

    facet = search(SearchQuery(cities=("málaga",))).facets["city"]

    assert ("Málaga", 1, True) in {(v.value, v.count, v.selected) for v in facet}


@pytest.mark.usefixtures("cities")
def test_the_same_cities_in_another_case_are_one_search_for_the_cursor(client: Any) -> None:
    first = _api(client, city="Madrid", limit=1)

    second = _api(client, city="madrid", limit=1, cursor=first["next"])

    titles = [hit["title"] for hit in first["results"] + second["results"]]
    assert sorted(titles) == ["Prado tour", "Retiro walk"]


@pytest.mark.usefixtures("cities")
def test_the_spellings_of_a_city_are_read_from_an_index(make_listing: Any) -> None:
    """Only the chosen cities' spellings are compared without case and accents, through an
    expression index, once a search: each match is then compared with those as before (an
    unaccent a row cost 2 µs, 56 ms over the real catalogue's published listings)."""
    # Cities enough that reading a few through the index beats reading all of another one in
    # order (on four rows the planner rightly walks listing_city_id whole for the DISTINCT).
    for n in range(CITIES):
        make_listing(f"Walk {n}", city=f"Town {n}")
    sent: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        search(SearchQuery(cities=("madrid",)))
    [(statement, params)] = [(s, p) for s, p in sent if " base AS " in s]
    with connection.cursor() as cursor:
        # The planner's figures for this test's rows, not those the suite's earlier tests left
        # (after a full run it chose another index, its plan told apart by a filter only).
        cursor.execute("ANALYZE catalog_listing")
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN (COSTS OFF) " + statement, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")

    assert "listing_city_folded" in plan, plan
