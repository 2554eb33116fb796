"""Review (session 13) of the explore page and the search API as a visitor and a client
developer use them: each test failed on the code it was written against, and says what was
seen and why that is wrong."""

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
