"""A Redis that takes connections and never answers (a hung server; a Redis machine gone from a
network that drops packets instead of refusing them) cost an anonymous page one timeout
(REDIS_TIMEOUT_SECONDS) for every cache operation it made, on every visit: the home page 4.1 to
4.6 s (its page read and write, its two aggregates), a listing 5.1 s (page, "more like this",
its view count), explore 3.1 s, the list of things to do 2.1 s. Three workers then served less
than a page a second. Sessions rested already (session 22); now the pages cache, the default
cache (`get_or_compute`) and the view counter do too: after a failure each answers without its
server for CACHE_RETRY_SECONDS, so a hung server costs each process one timeout per cache in that
time, and the pages are rendered from the database meanwhile (DESIGN.md section 5)."""

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory
from outings.common import cache as common_cache
from outings.common.cache import get_or_compute
from outings.common.tests.connections import hung_redis_server
from outings.stats import services as stats

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="the services profile's Redis clients"),
]


@pytest.fixture
def hung_redis() -> Iterator[str]:
    with hung_redis_server() as address:
        yield address


@pytest.fixture
def listing() -> Listing:
    listing = ListingFactory.create(title="Harbour walk", city="Toronto")
    SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=3))
    return listing


@pytest.fixture
def no_memory_views() -> Iterator[None]:
    stats._memory.reset()
    yield
    stats._memory.reset()


def _pointed_at(address: str) -> dict[str, dict[str, object]]:
    return {name: {**config, "LOCATION": address} for name, config in settings.CACHES.items()}


@pytest.mark.usefixtures("no_memory_views")
def test_a_hung_redis_costs_each_cache_one_timeout_not_every_page_one_per_operation(
    hung_redis, listing
):
    client = Client(raise_request_exception=False)
    paths = [
        reverse("web:home"),
        reverse("web:listing", kwargs={"pk": listing.pk}),
        reverse("web:listings"),
        reverse("search:explore"),
    ] * 2

    with override_settings(CACHES=_pointed_at(hung_redis), REDIS_URL=hung_redis):
        began = time.monotonic()
        responses = [client.get(path) for path in paths]
        waited = time.monotonic() - began

    assert [response.status_code for response in responses] == [200] * len(paths)
    assert "Harbour walk" in responses[1].content.decode()
    # Three servers' worth of waiting at most (the pages cache, the default cache, the view
    # counter: one timeout each), and the renders; before, 28.6 s (a timeout per operation).
    assert waited < 3 * settings.REDIS_TIMEOUT_SECONDS + 3, waited
    assert sum(stats._memory.counts.values()) == 2  # both views of the listing, kept in memory


def test_once_the_rest_is_over_the_caches_are_asked_again(hung_redis, listing, monkeypatch):
    """The control: a rest is no outage of its own. Once it is over, a cache that answers again
    serves and stores as before."""
    rest = 1.5 * settings.REDIS_TIMEOUT_SECONDS  # outlasts the second cache's timeout below
    monkeypatch.setattr(common_cache, "CACHE_RETRY_SECONDS", rest)
    monkeypatch.setattr(common_cache.TolerantRedisCache, "timeout_retry_seconds", rest)
    with override_settings(CACHES=_pointed_at(hung_redis)):
        assert get_or_compute("session24:hung", lambda: "computed", 60) == "computed"
        assert caches["pages"].get("session24:page") is None
        # Resting: neither asks the hung server (each would wait a timeout).
        began = time.monotonic()
        assert get_or_compute("session24:hung", lambda: "again", 60) == "again"
        caches["pages"].set("session24:page", "kept", 60)
        assert time.monotonic() - began < 0.5 * settings.REDIS_TIMEOUT_SECONDS

    time.sleep(rest)
    assert get_or_compute("session24:up", lambda: "stored", 60) == "stored"
    assert get_or_compute("session24:up", lambda: "computed again", 60) == "stored"
    caches["pages"].set("session24:page", "kept", 60)
    assert caches["pages"].get("session24:page") == "kept"
