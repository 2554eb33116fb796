"""A Redis that takes connections and never answers (a hung server, a network that drops the
replies) cost every cache operation, every API request's throttle count and every view's count
redis-py's default socket timeout, 5 s each: a page that reads the cache three times waited 15 s
before it fell back on the database. Each waits REDIS_TIMEOUT_SECONDS (1 s) at most now, and the
caller still gets its answer (DESIGN.md section 5: a cache that is down is a miss)."""

import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import override_settings

from outings.api import throttling
from outings.api.rates import Rate
from outings.common.cache import get_or_compute
from outings.common.tests.connections import hung_redis_server
from outings.stats import services as stats

pytestmark = pytest.mark.skipif(
    not settings.REDIS_URL, reason="the services profile's Redis clients"
)


@pytest.fixture
def hung_redis() -> Iterator[str]:
    with hung_redis_server() as address:
        yield address


def _within_the_timeout(began: float, operations: int) -> None:
    waited = time.monotonic() - began
    # Each operation may wait the timeout once (redis-py does not retry a timed-out read of a
    # command it sent); redis-py's default would be 5 s for each.
    assert waited < operations * settings.REDIS_TIMEOUT_SECONDS + 1.5, waited


def test_the_timeout_is_a_second_unless_set():
    assert settings.REDIS_TIMEOUT_SECONDS == 1.0


def test_a_hung_cache_is_a_miss_after_the_timeout(hung_redis):
    hung = {name: {**config, "LOCATION": hung_redis} for name, config in settings.CACHES.items()}
    with override_settings(CACHES=hung):
        began = time.monotonic()
        assert get_or_compute("session20:hung", lambda: "computed", 60) == "computed"
        _within_the_timeout(began, operations=2)  # the read, then the write


def test_a_hung_throttle_counter_lets_the_request_through_after_the_timeout(hung_redis):
    began = time.monotonic()
    store = throttling.RedisCounter(hung_redis)
    wait = throttling.hit(ident="user:1", rate=Rate(10, 60), now=time.time(), store=store)
    assert wait is None
    _within_the_timeout(began, operations=1)


def test_a_hung_view_counter_counts_the_view_in_memory_after_the_timeout(hung_redis):
    """Session 21: the view is counted in the process's memory meanwhile, no longer dropped."""
    stats._memory.reset()
    stats._outage.reset()
    with override_settings(REDIS_URL=hung_redis, STATS_FLUSH_SECONDS=3600):
        began = time.monotonic()
        stats.record_listing_view(listing_id=1)
        _within_the_timeout(began, operations=1)
    assert sum(stats._memory.counts.values()) == 1
    stats._memory.reset()
    stats._outage.reset()
