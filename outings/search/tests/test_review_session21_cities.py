"""The search's cities as the explore page reads them, on the API too: each without the spaces
around it, and an empty one left out (none chosen), where the API searched for a city named ""
or " Toronto" and found nothing."""

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities(make_listing: Any) -> None:
    make_listing("Harbour walk", city="Toronto")
    make_listing("Old port walk", city="Montreal")


def _api_titles(client: Any, **params: Any) -> list[str]:
    answer = client.get("/api/v1/search", params)
    assert answer.status_code == 200, answer.content
    return sorted(hit["title"] for hit in answer.json()["results"])


def _page_titles(client: Any, **params: Any) -> list[str]:
    page = client.get("/explore/", params)
    assert page.status_code == 200
    return sorted(hit.title for hit in page.context["page"].hits)


@pytest.mark.usefixtures("two_cities")
@pytest.mark.parametrize(
    ("cities", "titles"),
    [
        ([""], ["Harbour walk", "Old port walk"]),
        (["  "], ["Harbour walk", "Old port walk"]),
        ([" Toronto "], ["Harbour walk"]),
        (["Toronto", ""], ["Harbour walk"]),
    ],
)
def test_the_api_reads_a_city_as_the_explore_page_does(
    client: Any, cities: list[str], titles: list[str]
) -> None:
    assert _page_titles(client, city=cities) == titles
    assert _api_titles(client, city=cities) == titles


def test_a_city_with_spaces_around_it_is_the_same_search_for_the_cursor(
    client: Any, make_listing: Any
) -> None:
    make_listing("Harbour walk", city="Toronto")
    make_listing("Island walk", city="Toronto")
    first = client.get("/api/v1/search", {"city": "Toronto", "limit": 1}).json()

    second = client.get("/api/v1/search", {"city": " Toronto", "limit": 1, "cursor": first["next"]})

    assert second.status_code == 200, second.content
    titles = [hit["title"] for hit in first["results"] + second.json()["results"]]
    assert sorted(titles) == ["Harbour walk", "Island walk"]
