"""Review (session 13) of the explore page and the search API as a visitor and a client
developer use them: each test failed on the code it was written against, and says what was
seen and why that is wrong."""

import math
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.catalog.models import Listing
from outings.scheduling.models import Slot
from outings.search.engine import search
from outings.search.query import InvalidSearch, Point, SearchQuery
from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


# --- a radius without a place -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "problem"),
    [
        ("en", "Within (km): A distance needs a place to measure it from."),
        ("de", "Umkreis (km): Eine Entfernung braucht einen Ort, von dem aus sie gemessen wird."),
    ],
)
def test_a_radius_without_a_place_is_named_on_the_page(make_listing, accept, problem):
    """?radius_km=5 with no place answered every listing anywhere, as if the radius had not
    been typed: the visitor who cleared "Near" believed the results were within 5 km."""
    make_listing("Harbour walk")

    page = Client().get("/explore/", {"radius_km": "5"}, HTTP_ACCEPT_LANGUAGE=accept)

    assert page.status_code == 400
    assert page.context["problems"] == [problem]
    assert page.context["page"] is None


def test_a_radius_without_a_place_is_a_400_naming_it_in_the_api(make_listing):
    make_listing("Harbour walk")

    response = Client().get("/api/v1/search", {"radius_km": "5", "bbox": "40,-80,45,-75"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"] == {"query.radius_km": ["A distance needs a place to measure it from."]}


# --- dates in the page's language -------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "accept", "problem"),
    [
        ({"date_from": "1999-12-31"}, "en", "From: A date from Jan. 1, 2000 to Dec. 31, 2999."),
        (
            {"date_to": "3000-01-01"},
            "de",
            "Bis: Ein Datum zwischen 1. Januar 2000 und 31. Dezember 2999.",
        ),
    ],
)
def test_the_dates_a_range_allows_are_written_in_the_pages_language(rates, params, accept, problem):
    """The German page read "Ein Datum zwischen 2000-01-01 und 2999-12-31.": dates as the API
    sends them, not as the page writes every other date."""
    page = Client().get("/explore/", params, HTTP_ACCEPT_LANGUAGE=accept)

    assert page.status_code == 400
    assert page.context["problems"] == [problem]


# --- more like this: how far ------------------------------------------------------------------


TORONTO, HAMILTON = (43.65, -79.38), (43.26, -79.87)


def test_more_like_this_says_how_far_each_listing_is(make_listing, make_slot):
    """`GET /listings/{id}/similar` answered "distance_km": 1.0 for a kayak trip in Hamilton,
    52 km from the one in Toronto: the column read was "same category" (1 or 0), not the
    distance computed next to it."""
    toronto = make_listing("Kayak trip on the lake", latitude=TORONTO[0], longitude=TORONTO[1])
    hamilton = make_listing("Kayak trip on the bay", latitude=HAMILTON[0], longitude=HAMILTON[1])
    make_slot(hamilton, in_days=3)

    body = Client().get(f"/api/v1/listings/{toronto.pk}/similar").json()

    assert [item["id"] for item in body] == [hamilton.pk]
    assert body[0]["distance_km"] == pytest.approx(great_circle_km(TORONTO, HAMILTON), abs=0.01)


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """On earthdistance's sphere (earth() is 6,378,168 m)."""
    (lat1, lng1), (lat2, lng2) = (map(math.radians, point) for point in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6378.168 * math.asin(math.sqrt(h))


# --- each listing's text in its own language ------------------------------------------------


@pytest.fixture
def german_walk(make_listing, make_slot):
    """A listing written in German, found and shown on an English page."""
    walk = make_listing(
        "Stadtführung durch Köln",
        summary="Zwei Stunden zu Fuß durch die Altstadt.",
        content_language="de",
        city="Köln",
    )
    make_slot(walk, in_days=3)
    return walk


def test_a_hit_in_another_language_is_marked_with_its_language(german_walk):
    """The explore page is English, the listing German: without `lang` a screen reader reads
    "Stadtführung durch Köln" with an English voice, as if it were English words."""
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/explore/", {"q": "Stadtführung"}).content
    hit = re.search(r'<li class="hit".*?</li>', html.decode(), re.S)

    assert hit is not None
    assert re.search(
        r'<a class="hit__title" [^>]*lang="de"[^>]*>Stadtführung durch Köln</a>', hit[0]
    )
    assert '<p lang="de">Zwei Stunden zu Fuß durch die Altstadt.</p>' in hit[0]


def test_the_api_says_which_language_a_hit_is_written_in(german_walk):
    """A client cannot mark the text up either unless the API says its language, as the
    listing resource does (`content_language`)."""
    body = Client().get("/api/v1/search", {"q": "Stadtführung"}).json()

    assert [hit["content_language"] for hit in body["results"]] == ["de"]


def test_more_like_this_marks_each_title_with_its_language(make_listing, make_slot, german_walk):
    english = make_listing("Walking tour of Köln", city="Köln")
    make_slot(english, in_days=3)

    html = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/things-to-do/{english.pk}/").content.decode()
    similar = re.search(
        r'<section class="section" aria-labelledby="similar-heading">.*?</section>', html, re.S
    )

    assert similar is not None
    assert '<span lang="de">Stadtführung durch Köln</span>' in similar[0]
    body = Client().get(f"/api/v1/listings/{english.pk}/similar").json()
    assert [item["content_language"] for item in body] == ["de"]


def test_a_hosts_page_marks_each_title_with_its_language(german_walk):
    html = Client().get(f"/host/people/{german_walk.host_id}/").content.decode()

    assert re.search(r'<a [^>]*lang="de"[^>]*>Stadtführung durch Köln</a>', html)


def test_a_suggested_title_is_marked_with_its_language(german_walk):
    refresh_lexicon()

    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/explore/suggest", {"q": "stadtf"}).content

    assert re.search(
        r'<a role="option"[^>]*>\s*<span lang="de">Stadtführung durch Köln</span>', html.decode()
    )


# --- pages backward ---------------------------------------------------------------------------

SORTS = ["relevance", "price_asc", "price_desc", "newest", "soonest", "distance"]


@pytest.fixture
def seven_ties(make_listing, make_slot):
    """Seven listings that tie on every sort key: same words, price, place, creation and date."""
    listings = [make_listing("Walking tour", currency="EUR", price_amount=1000) for _ in range(7)]
    slots = [make_slot(listing, in_days=2) for listing in listings]
    Listing.objects.filter(pk__in=[x.pk for x in listings]).update(created_at=timezone.now())
    Slot.objects.filter(pk__in=[s.pk for s in slots]).update(starts_at=slots[0].starts_at)
    return listings


def walk(query: dict[str, Any], *, limit: int = 3) -> tuple[list[list[int]], list[list[int]]]:
    """Every page forward by `next`, then back from the last by `previous`."""
    forward, backward, cursor = [], [], None
    while True:
        page = search(SearchQuery(cursor=cursor, limit=limit, **query))
        forward.append([hit.listing_id for hit in page.hits])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    while page.previous_cursor is not None:
        page = search(SearchQuery(cursor=page.previous_cursor, limit=limit, **query))
        backward.append([hit.listing_id for hit in page.hits])
    return forward, backward


@pytest.mark.parametrize("sort", SORTS)
def test_a_search_pages_back_through_the_pages_it_paged_forward(seven_ties, sort):
    """Issue 3: every list has opaque `next` and `previous` cursors; a search had only `next`,
    so a client showing page 3 could not offer page 2 without keeping every page it had read."""
    near = Point(43.65, -79.38) if sort == "distance" else None

    forward, backward = walk({"text": "walking", "sort": sort, "near": near})

    assert [len(page) for page in forward] == [3, 3, 1]
    assert sorted(pk for page in forward for pk in page) == sorted(x.pk for x in seven_ties)
    assert backward == forward[-2::-1]


def test_the_first_page_has_no_previous_and_a_page_back_has_its_next(seven_ties):
    first = search(SearchQuery(text="walking", limit=3))
    second = search(SearchQuery(text="walking", limit=3, cursor=first.next_cursor))
    back = search(SearchQuery(text="walking", limit=3, cursor=second.previous_cursor))

    assert first.previous_cursor is None
    assert back.previous_cursor is None
    assert back.next_cursor == first.next_cursor


def test_a_previous_cursor_is_bound_to_its_search(seven_ties):
    first = search(SearchQuery(text="walking", limit=3))
    second = search(SearchQuery(text="walking", limit=3, cursor=first.next_cursor))

    with pytest.raises(InvalidSearch) as refused:
        search(SearchQuery(text="walking", sort="newest", limit=3, cursor=second.previous_cursor))

    assert refused.value.fields == {"cursor": ["This cursor belongs to another search."]}


def test_a_corrected_search_pages_back_through_the_corrected_words(seven_ties):
    refresh_lexicon()
    first = search(SearchQuery(text="walkign", limit=3))
    second = search(SearchQuery(text="walkign", limit=3, cursor=first.next_cursor))
    back = search(SearchQuery(text="walkign", limit=3, cursor=second.previous_cursor))

    assert first.corrected
    assert back.corrected
    assert [h.listing_id for h in back.hits] == [h.listing_id for h in first.hits]


def test_the_api_answers_a_previous_cursor_and_documents_it(seven_ties):
    client = Client()
    first = client.get("/api/v1/search", {"q": "walking", "limit": "3"}).json()
    second = client.get("/api/v1/search", {"q": "walking", "limit": "3", "cursor": first["next"]})
    back = client.get(
        "/api/v1/search", {"q": "walking", "limit": "3", "cursor": second.json()["previous"]}
    ).json()

    assert first["previous"] is None
    assert [hit["id"] for hit in back["results"]] == [hit["id"] for hit in first["results"]]
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["SearchOut"]
    assert "previous" in schema["required"]
    assert schema["properties"]["previous"]["description"] == (
        "Cursor of the previous page, if there is one."
    )


def test_the_explore_page_links_back_to_the_previous_results(make_listing):
    """The page offered "More results" only: without JavaScript the way back was the
    browser's Back, and a shared link to page 2 had none."""
    for _ in range(22):
        make_listing("Walking tour", kind="place")
    client = Client()

    first = client.get("/explore/", {"q": "walking"})
    second = client.get("/explore/" + first.context["next_url"])
    back = client.get("/explore/" + second.context["previous_url"])

    assert first.context["previous_url"] is None
    assert 'rel="prev"' in second.content.decode()
    assert [h.listing_id for h in back.context["page"].hits] == [
        h.listing_id for h in first.context["page"].hits
    ]
