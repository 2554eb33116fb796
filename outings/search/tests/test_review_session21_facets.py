"""Facets: a selected city beyond the fifteen largest still shows, selected, with its count."""

from typing import Any

import pytest

from outings.search.engine import search
from outings.search.query import SearchQuery

pytestmark = pytest.mark.django_db


def test_a_selected_city_beyond_the_fifteen_largest_shows_selected_with_its_count(
    make_listing: Any,
) -> None:
    """The city facet kept the fifteen largest cities whatever was selected: a city chosen
    beyond them (from a shared URL, or an API client's own list) had no row, so it could not
    show as chosen with its count, as a selected category does."""
    for number in range(1, 17):
        for copy in range(number + 1):
            make_listing(f"tour {number}-{copy}", city=f"City {number:02d}")
    make_listing("quiet tour", city="Hamlet")
    make_listing("other quiet tour", city="Village")

    page = search(SearchQuery(cities=("Hamlet", "City 03")))

    cities = [(v.value, v.count, v.selected) for v in page.facets["city"]]
    # The fifteen largest (City 02 to City 16), then the selected city beyond them; an
    # unselected small one (Village) stays out.
    assert cities[:15] == [(f"City {n:02d}", n + 1, n == 3) for n in range(16, 1, -1)]
    assert cities[15:] == [("Hamlet", 1, True)]
    assert sorted(hit.title for hit in page.hits)[:2] == ["quiet tour", "tour 3-0"]


def test_a_selected_city_that_matches_nothing_else_searched_is_not_invented(
    make_listing: Any,
) -> None:
    """A selected city with no match (count 0) gets no facet row in the engine: the facets
    count matches (the page keeps its ticked box from the form)."""
    make_listing("tour", city="Toronto")

    page = search(SearchQuery(cities=("Atlantis",)))

    assert [(v.value, v.count, v.selected) for v in page.facets["city"]] == [("Toronto", 1, False)]
    assert page.hits == []
