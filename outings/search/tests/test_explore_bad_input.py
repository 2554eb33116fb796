"""Explore page query strings that once answered 500 instead of the friendly 400."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def page() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("bbox", [".,.,.,.", "1..2,3,4,5", "1.2.3,0,2,1"])
def test_a_bbox_that_matches_the_pattern_but_is_no_number_is_a_friendly_400(page, rates, bbox):
    response = page.get("/explore/", {"bbox": bbox})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_a_date_at_the_end_of_the_calendar_is_a_friendly_400(page, rates):
    response = page.get("/explore/", {"date_to": "9999-12-31"})

    assert response.status_code == 400


def test_the_first_day_of_the_calendar_in_a_zone_east_of_utc_is_a_friendly_400(page, rates):
    page.cookies.load({"tz": "Asia/Tokyo"})  # what static/js/site.js stores

    response = page.get("/explore/", {"date_from": "0001-01-01"})

    assert response.status_code == 400


@pytest.mark.parametrize("q", ["ab\x00", "\x00\x00"])
def test_suggestions_for_text_with_nul_are_not_a_500(page, rates, q):
    response = page.get("/explore/suggest", {"q": q})

    assert response.status_code in (200, 400)
