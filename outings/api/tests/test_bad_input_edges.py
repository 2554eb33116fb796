"""API inputs at the edges that once answered 500, some after writing: dates at the ends of the
calendar, NUL in a slug, digits int() refuses, times with a UTC offset."""

import json
from datetime import time

import pytest
from django.test import Client

from outings.api.tests.helpers import bearer, error_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    ScheduleFactory,
    category,
)
from outings.scheduling.models import Schedule, ScheduleException, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

LISTING = {
    "title": "Harbour walk",
    "category": "tours",
    "duration_minutes": 90,
    "price_amount": 2500,
    "currency": "EUR",
    "address": "Am Kupfergraben 1",
    "city": "Berlin",
    "country_code": "DE",
    "latitude": 52.52,
    "longitude": 13.395,
}


@pytest.fixture
def api() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def host(db):
    category("tours")
    return HostProfileFactory.create()


@pytest.fixture
def auth(host, token_for):
    return bearer(token_for(host.user))


def post(api, path, body, auth, method="post"):
    return getattr(api, method)(path, json.dumps(body), content_type="application/json", **auth)


# --- Search: dates at the ends of the calendar ------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "tz": "Asia/Tokyo"},
        {"date_from": "9999-12-30", "date_to": "9999-12-31", "tz": "Pacific/Honolulu"},
    ],
)
def test_search_dates_at_the_ends_of_the_calendar_are_a_400(api, query):
    response = api.get("/api/v1/search", query)

    assert response.status_code == 400, response.content
    assert error_of(response)["code"] == "validation_error"


# --- Host listings: the category slug is not checked for NUL -----------------------------------


def test_a_listing_category_with_a_nul_is_a_400(api, auth):
    response = post(api, "/api/v1/host/listings", {**LISTING, "category": "to\x00urs"}, auth)

    assert response.status_code == 400, response.content
    assert "body.payload.category" in error_of(response)["fields"]
    assert not Listing.objects.exists()


# --- If-Match with a digit that int() refuses --------------------------------------------------


def test_an_if_match_with_a_superscript_digit_is_a_412_not_a_500(api, auth, host):
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)

    response = post(
        api, f"/api/v1/host/listings/{listing.pk}", LISTING, {**auth, "HTTP_IF_MATCH": '"²"'}, "put"
    )

    assert response.status_code == 412, response.content
    listing.refresh_from_db()
    assert listing.version == 1


# --- Schedules: times with a UTC offset ------------------------------------------------------


@pytest.fixture
def listing(host):
    return ListingFactory.create(host=host)


def test_start_times_mixing_offset_and_plain_times_are_a_400(api, auth, listing):
    body = {
        "kind": "weekly",
        "weekdays": [0],
        "start_times": ["10:00", "14:00+02:00"],
        "valid_from": "2030-01-01",
        "capacity": 5,
    }

    response = post(api, f"/api/v1/host/listings/{listing.pk}/schedules", body, auth)

    assert response.status_code == 400, response.content
    assert not Schedule.objects.exists()


def test_a_start_time_with_an_offset_is_a_400_and_writes_nothing(api, auth, listing):
    body = {
        "kind": "weekly",
        "weekdays": [0],
        "start_times": ["10:00+02:00"],
        "valid_from": "2030-01-01",
        "capacity": 5,
    }

    response = post(api, f"/api/v1/host/listings/{listing.pk}/schedules", body, auth)

    assert response.status_code == 400, response.content
    assert not Schedule.objects.exists()
    assert not Slot.objects.exists()


def test_an_exception_moving_to_a_time_with_an_offset_is_a_400_and_writes_nothing(
    api, auth, listing
):
    # Mondays at 10:00 from 2030-06-03 (a Monday).
    schedule = ScheduleFactory.create(
        listing=listing, weekdays=[0], start_times=[time(10)], valid_from="2030-06-03"
    )
    body = {"day": "2030-06-03", "start_time": "10:00", "action": "move", "new_time": "11:00+01:00"}

    response = post(
        api,
        f"/api/v1/host/listings/{listing.pk}/schedules/{schedule.pk}/exceptions",
        body,
        auth,
    )

    assert response.status_code == 400, response.content
    assert not ScheduleException.objects.exists()  # today: written, then the answer fails


# --- Schedules: dates at the end of the calendar -----------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "once", "start_times": ["10:00"], "valid_from": "9999-12-31", "capacity": 5},
        {
            "kind": "weekly",
            "weekdays": [0, 2],
            "start_times": ["10:00"],
            "valid_from": "9999-12-28",
            "capacity": 5,
        },
    ],
)
def test_a_schedule_at_the_end_of_the_calendar_is_a_400(api, auth, listing, body):
    ScheduleFactory.create(listing=listing, weekdays=[0, 2, 4], start_times=[time(10)])

    response = post(api, f"/api/v1/host/listings/{listing.pk}/schedules", body, auth)

    assert response.status_code == 400, response.content
    assert Schedule.objects.count() == 1
