"""The explore page's URL holds the whole state (issue 6 item 9): a suggestion keeps every
other filter, and a box searched around one place is not kept for another."""

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from outings.search.services import refresh_lexicon
from outings.search.tests.test_review_explore import resubmitted

pytestmark = pytest.mark.django_db

STATE = {
    "date_from": "2030-05-01",
    "date_to": "2030-05-03",
    "guests": "3",
    "price_max": "80",
    "currency": "CAD",
    "sort": "price",
    "language": "en",
    "tz": "America/Toronto",
}


def _links(html: str) -> dict[str, dict[str, list[str]]]:
    """Each suggestion's text (its first words) and the query of its link."""
    links = {}
    for href, text in re.findall(r'<a role="option"[^>]* href="([^"]*)">(.*?)</a>', html):
        label = re.sub(r"<[^>]+>", "", text).split()[0]
        url = urlsplit(unescape(href))
        assert url.path in ("/explore/", "") or url.path.startswith("/things-to-do/"), href
        links[label] = parse_qs(url.query)
    return links


def test_a_suggestion_keeps_every_other_filter(make_listing: Any) -> None:
    """The box asked /explore/suggest for `q` only, and a place's or a category's suggestion
    linked to `?near=Toronto` or `?category=tours`: the visitor's dates, guests, prices, sort
    and zone were dropped."""
    make_listing("Harbour walk", city="Toronto", category="tours")
    refresh_lexicon()
    state = {
        **STATE,
        "category": "food",
        "bbox": "43.0,-80.0,44.0,-79.0",
        "area_near": "Montreal",
        "near": "Montreal",
        "cursor": "abc",
    }

    answer = Client().get("/explore/suggest", {**state, "q": "to"})

    assert answer.status_code == 200
    links = _links(answer.content.decode())
    expected = {name: [value] for name, value in STATE.items()}
    # A place: the new place, without the box drawn around the old one, nor the typed text.
    assert links["Toronto"] == expected | {"category": ["food"], "near": ["Toronto"]}
    # A category: one more category, with the rest as it was (the text typed was for this).
    assert links["Tours"] == expected | {
        "category": ["food", "tours"],
        "near": ["Montreal"],
        "bbox": ["43.0,-80.0,44.0,-79.0"],
        "area_near": ["Montreal"],
    }


def test_a_suggestion_without_other_filters_links_as_before(make_listing: Any) -> None:
    make_listing("Harbour walk", city="Toronto", category="tours")
    refresh_lexicon()

    links = _links(Client().get("/explore/suggest", {"q": "to"}).content.decode())

    assert links["Toronto"] == {"near": ["Toronto"]}
    assert links["Tours"] == {"category": ["tours"]}


def test_a_new_place_drops_the_box_searched_around_the_old_one(make_listing: Any) -> None:
    """Without JavaScript the form sent the hidden `bbox` of "search this area" with the place
    the visitor typed in its stead: Montreal was searched inside the box around Toronto, and
    found nothing. The box now carries the place it was searched around (`area_near`); another
    place, or none, drops it."""
    make_listing("Harbour walk", city="Toronto", latitude=43.65, longitude=-79.38)
    make_listing("Old port walk", city="Montreal", latitude=45.50, longitude=-73.55)
    refresh_lexicon()
    box = "43.5,-79.6,43.8,-79.2"
    client = Client()

    around = client.get("/explore/", {"q": "walk", "near": "Toronto", "bbox": box})
    again = resubmitted(around.content.decode())
    moved = client.get("/explore/", {**again, "near": "Montreal"})
    cleared = client.get("/explore/", {**again, "near": ""})
    kept = client.get("/explore/", again)

    assert [hit.title for hit in around.context["page"].hits] == ["Harbour walk"]
    assert again["bbox"] == [box]
    assert again["area_near"] == ["Toronto"]
    assert moved.status_code == 200
    assert sorted(hit.title for hit in moved.context["page"].hits) == [
        "Harbour walk",
        "Old port walk",
    ]
    assert "bbox" not in resubmitted(moved.content.decode())
    assert "area_near" not in resubmitted(moved.content.decode())
    assert sorted(hit.title for hit in cleared.context["page"].hits) == [
        "Harbour walk",
        "Old port walk",
    ]
    assert [hit.title for hit in kept.context["page"].hits] == ["Harbour walk"]
    assert resubmitted(kept.content.decode())["bbox"] == [box]


def test_a_box_without_its_place_is_kept_as_the_url_gives_it(make_listing: Any) -> None:
    """An API-made URL names a box and a place without `area_near`: both are searched."""
    make_listing("Harbour walk", city="Toronto", latitude=43.65, longitude=-79.38)
    make_listing("Old port walk", city="Montreal", latitude=45.50, longitude=-73.55)
    refresh_lexicon()

    page = Client().get("/explore/", {"near": "Montreal", "bbox": "43.5,-79.6,43.8,-79.2"})

    assert [hit.title for hit in page.context["page"].hits] == ["Harbour walk"]
    assert resubmitted(page.content.decode())["area_near"] == ["Montreal"]
