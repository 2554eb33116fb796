"""Review (caches and languages): the public pages when the cache is down, and what they say."""

import pytest
from django.test import Client

from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here: connection refused
    }
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
    """On the German site, choosing "Nächstgelegene" (sort by distance) without a place, or a "To" date
    before "From", shows "Sorting by distance needs a point." / "Must not be before date_from."
    in English, naming a query parameter. The explore view (outings/search/views.py:40-41) puts
    InvalidSearch's field messages on the page as they are, and those are plain English
    f-strings in outings/search/query.py:80-123 (written for the API), never passed through
    gettext; every other message on the page is translated."""
    client.cookies["django_language"] = "de"

    response = client.get("/explore/", {"sort": "distance"})

    body = response.content.decode()
    assert "Bitte überprüfe deine Suche:" in body  # the page is German
    assert "Sorting by distance needs a point." not in body
