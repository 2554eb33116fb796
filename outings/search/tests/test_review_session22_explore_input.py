"""Odd input on the explore page that reached PostgreSQL as it came: a city with a NUL in it
(`city=%00`) was a 500, PostgreSQL text cannot hold NUL. The page reads control characters as
spaces in the text and the place; now in a city too, as the search's own rule
(SearchQuery)."""

from typing import Any

import pytest

from outings.search.engine import search
from outings.search.query import SearchQuery

pytestmark = pytest.mark.django_db


@pytest.fixture
def madrid(make_listing: Any) -> None:
    make_listing("Prado tour", city="Madrid", country_code="ES", currency="EUR")
    make_listing("Harbour walk", city="Toronto")


@pytest.mark.usefixtures("madrid")
@pytest.mark.parametrize(
    ("raw", "titles"),
    [
        ("city=%00", ["Harbour walk", "Prado tour"]),  # chooses none
        ("city=Madrid%00", ["Prado tour"]),
        ("city=%1FMadrid%7F", ["Prado tour"]),
        ("city=Mad%00rid", []),
    ],
)
def test_the_explore_page_reads_control_characters_in_a_city_as_spaces(
    client: Any, raw: str, titles: list[str]
) -> None:
    page = client.get(f"/explore/?{raw}")

    assert page.status_code == 200
    assert sorted(hit.title for hit in page.context["page"].hits) == titles


@pytest.mark.usefixtures("madrid")
def test_the_search_reads_control_characters_in_a_city_as_spaces() -> None:
    assert [hit.title for hit in search(SearchQuery(cities=("\x00Madrid",))).hits] == ["Prado tour"]
