"""Review (session 13) of the explore page and the search API as a visitor and a client
developer use them: each test failed on the code it was written against, and says what was
seen and why that is wrong."""

import math

import pytest
from django.test import Client

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
    assert error["fields"] == {"radius_km": ["A distance needs a place to measure it from."]}


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
