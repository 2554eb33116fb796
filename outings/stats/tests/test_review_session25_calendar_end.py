"""Review (session 25): a listing's days up to the calendar's last day (31 December 9999) are
days like any other; the series stepped one day past each day it filled in, and past the last
one there is no day: `GET /api/v1/host/listings/{id}/stats?to=9999-12-31` (or a `from` within
its last 30 days) answered 500 with an OverflowError, a span the API itself had taken."""

from datetime import date, timedelta

import pytest
from django.test import Client

from outings.accounts import services as account_services
from outings.catalog.tests.factories import ListingFactory
from outings.stats import selectors
from outings.stats.models import ListingDay

pytestmark = pytest.mark.django_db


def test_the_daily_series_ends_on_the_calendars_last_day() -> None:
    listing = ListingFactory.create()
    ListingDay.objects.create(listing=listing, day=date.max, views=2, bookings=1)

    days = selectors.listing_days(
        listing_id=listing.pk, first=date.max - timedelta(days=1), last=date.max
    )

    assert [(d.day, d.views, d.bookings) for d in days] == [
        (date.max - timedelta(days=1), 0, 0),
        (date.max, 2, 1),
    ]


@pytest.mark.parametrize(
    "query",
    ["?to=9999-12-31", "?from=9999-12-02", "?from=9999-12-31&to=9999-12-31"],
)
def test_the_api_answers_days_up_to_the_calendars_last(query: str) -> None:
    listing = ListingFactory.create()
    ListingDay.objects.create(listing=listing, day=date.max, views=3)
    secret = account_services.create_api_token(user=listing.host.user, name="t").secret
    api = Client(headers={"Authorization": f"Bearer {secret}"})

    response = api.get(f"/api/v1/host/listings/{listing.pk}/stats{query}")

    assert response.status_code == 200
    body = response.json()
    assert body["to"] == "9999-12-31"
    assert body["days"][-1] == {"day": "9999-12-31", "views": 3, "bookings": 0}
    assert body["views"] == 3
