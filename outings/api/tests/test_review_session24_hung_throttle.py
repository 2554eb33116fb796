"""Against a Redis that takes connections and never answers (hung, or a machine gone from a
network that drops its packets), every API request waited REDIS_TIMEOUT_SECONDS for its throttle
counter before it was let through (ADR 0010: a store that cannot be reached lets the request
through): six requests, six seconds. Now, after a count that waited for its timeout, the counter
is not asked for CACHE_RETRY_SECONDS (outings.common.cache), as the caches and the view counter
(session 24): the requests are let through meanwhile, counted in the outage's lines."""

import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings

from outings.api import throttling
from outings.common.tests.connections import hung_redis_server

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="the services profile's Redis counter"),
]

TIGHT = {"anon": "2/min", "user": "3/min"}


@pytest.fixture
def hung_redis() -> Iterator[str]:
    with hung_redis_server() as address:
        yield address


@override_settings(API_THROTTLE_RATES=TIGHT)
def test_a_hung_counter_costs_one_timeout_not_one_per_request(hung_redis):
    client = Client(raise_request_exception=False)
    assert client.get("/api/v1/categories").status_code == 200  # the API loaded, counted once
    with override_settings(REDIS_URL=hung_redis):  # the counter's server; the caches answer
        began = time.monotonic()
        statuses = [client.get("/api/v1/categories").status_code for _ in range(6)]
        waited = time.monotonic() - began

    # Let through, past the limit of 2 (the documented fallback), and one timeout in all.
    assert statuses == [200] * 6
    assert waited < settings.REDIS_TIMEOUT_SECONDS + 1.5, waited  # 6.1 s before
    assert throttling.store_outage.failed_count == 6  # "6 requests let through"


@override_settings(API_THROTTLE_RATES=TIGHT)
def test_once_the_rest_is_over_the_counter_is_asked_and_limits_again(hung_redis, monkeypatch):
    """The control: a rest is no outage of its own. During it the counter is not asked (a Redis
    that answers again is not yet counted in); once it is over, the limit holds again."""
    rest = 1.5 * settings.REDIS_TIMEOUT_SECONDS
    monkeypatch.setattr(throttling, "CACHE_RETRY_SECONDS", rest)
    client = Client(raise_request_exception=False)
    with override_settings(REDIS_URL=hung_redis):
        assert client.get("/api/v1/categories").status_code == 200  # waited the timeout
    statuses = [client.get("/api/v1/categories").status_code for _ in range(3)]
    assert statuses == [200] * 3  # resting: let through without asking

    time.sleep(rest)
    statuses = [client.get("/api/v1/categories").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
