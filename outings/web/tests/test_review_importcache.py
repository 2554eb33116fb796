"""Review (caches and languages): the public pages when the cache is down, and what they say."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from outings.catalog.tests.factories import ListingFactory, SlotFactory

pytestmark = pytest.mark.django_db

CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here: connection refused
    },
    "pages": {
        "BACKEND": "outings.common.cache.TolerantRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    },
}


def test_the_home_page_still_renders_while_the_cache_is_down(settings) -> None:
    """The home page keeps two aggregates in the cache (busiest city, category counts) through
    cache.get_or_set (outings/web/views.py:66 and :69) with no error handling: with Redis
    unreachable the ConnectionError reaches the user as a 500 on the front page, although both
    values can simply be computed from the database (the search cache, outings/search/cache.py,
    already treats an unreachable cache as "not used")."""
    ListingFactory.create(city="Toronto")
    settings.CACHES = CACHE_DOWN
    client = Client(raise_request_exception=False)

    response = client.get("/")

    assert response.status_code == 200, f"home page answered {response.status_code}"


def test_the_explore_page_explains_a_bad_search_in_german(client) -> None:
    """On the German site, choosing "Nächstgelegene" (sort by distance) without a place, or a
    "To" date before "From", shows "Sorting by distance needs a point." / "Must not be before
    date_from." in English, naming a query parameter. The explore view
    (outings/search/views.py:40-41) puts InvalidSearch's field messages on the page as they
    are, and those are plain English f-strings in outings/search/query.py:80-125 (written for
    the API), never passed through gettext; every other message on the page is translated."""
    client.cookies["django_language"] = "de"

    response = client.get("/explore/", {"sort": "distance"})

    body = response.content.decode()
    assert "Bitte überprüfe deine Suche:" in body  # the page is German
    assert "Sorting by distance needs a point." not in body


def test_the_explore_page_gives_a_results_next_date_where_the_event_happens(client) -> None:
    """docs/pages.md: "Event times are shown where the event happens (the listing's zone); the
    viewer's zone is used for the 'your time' line", and every other page does so (cards through
    `in_zone:listing.time_zone`, the listing and booking pages through bookings/_when.html). The
    explore results print `hit.next_slot.starts_at|date:"DATETIME_FORMAT"`
    (outings/search/templates/search/_results.html:20) in whatever zone is active, with no zone
    name, and SearchHit carries no time zone to do better: a 10 a.m. harbour walk in Toronto
    reads "2 p.m." to a visitor without a `tz` cookie (UTC) and "11 p.m." to one in Tokyo."""
    listing = ListingFactory.create(title="Harbour jazz walk", time_zone="America/Toronto")
    SlotFactory.create(listing=listing, starts_at=datetime(2031, 7, 5, 14, 0, tzinfo=UTC))

    body = client.get(
        "/explore/", {"q": "jazz", "date_from": "2031-07-05", "date_to": "2031-07-05"}
    ).content.decode()

    shown = re.search(r'<p class="card__next">(.*?)</p>', body, re.DOTALL)
    assert shown is not None, "the hit shows no next date"
    assert "10 a.m." in shown.group(1), f"next date shown as: {shown.group(1)!r}"


@pytest.mark.parametrize("zone", ["America", "Europe", "x" * 300])
def test_a_tz_cookie_naming_no_zone_never_fails_a_page(zone: str) -> None:
    """The `tz` cookie is the visitor's to write. TimezoneMiddleware
    (outings/common/middleware.py:23-26) catches ZoneInfoNotFoundError and ValueError, but
    zoneinfo raises IsADirectoryError for a name that is a folder of the tz database ("America",
    "Europe") and OSError ("File name too long") for a long one: both are OSError, escape the
    middleware, and every page answers 500 for that browser until the cookie is cleared
    (DESIGN.md invariant 8: no input produces a 500)."""
    client = Client(raise_request_exception=False)
    client.cookies["tz"] = zone

    response = client.get("/")

    assert response.status_code == 200, f"tz={zone[:20]!r}: {response.status_code}"
