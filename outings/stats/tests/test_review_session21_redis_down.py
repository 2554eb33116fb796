"""Statistics while Redis is down or its flush fails.

With Redis refusing connections, every listing view logged a warning and was dropped: under
load a log line per page view, and the outage's views lost. Views are now counted in the
process's memory while Redis is down (flushed by the process, as without Redis), the outage
is logged once when it starts, then at most once per OUTAGE_LOG_SECONDS with what was counted
meanwhile, and once when Redis is back; the views counted meanwhile are then flushed.

A flush that failed kept its Redis lock until the lock's timeout (FLUSH_LOCK_SECONDS, 5
minutes): the next flush, a minute later, found it taken and did nothing, though the failure
was known at once. The lock is released on failure, by its owner only."""

import logging
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from outings.catalog.tests.factories import ListingFactory
from outings.common import outage
from outings.stats import services, tasks
from outings.stats.models import ListingDay
from outings.stats.tests.test_flush_once import closed_port, connect_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_prefix(redis_url: str) -> Iterator[str]:
    """This test's own Redis key prefix (no other run's flush touches its keys); its real URL."""
    caches = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"review-{uuid.uuid4()}"}}
    with override_settings(REDIS_URL=redis_url, CACHES=caches):
        services._memory.reset()
        services._outage.reset()
        yield redis_url
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{services._prefix()}*"):
            client.delete(key)
    services._memory.reset()
    services._outage.reset()


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == services.__name__]


def test_with_redis_down_views_are_counted_and_the_outage_logged_once(
    own_prefix: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outage, "QUIET_SECONDS", 0.0)  # Redis is back for the next view
    listing = ListingFactory.create()
    refused = f"redis://127.0.0.1:{closed_port()}/0"

    with caplog.at_level(logging.INFO, logger=services.__name__):
        with override_settings(REDIS_URL=refused):
            for _ in range(200):
                services.record_listing_view(listing_id=listing.pk)
        down = outage_lines(caplog)
        services.record_listing_view(listing_id=listing.pk)  # Redis is back
        services.flush_listing_views()

    assert len(down) == 1, down
    assert "Redis unavailable" in down[0]
    assert len(outage_lines(caplog)) == 2
    assert "200 views" in outage_lines(caplog)[1]
    assert ListingDay.objects.get(listing=listing).views == 201


def test_a_long_outage_is_logged_once_per_interval_with_what_it_counted(
    own_prefix: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outage, "OUTAGE_LOG_SECONDS", 0.3)
    listing = ListingFactory.create()
    refused = f"redis://127.0.0.1:{closed_port()}/0"

    with (
        caplog.at_level(logging.INFO, logger=services.__name__),
        override_settings(REDIS_URL=refused),
    ):
        for _ in range(50):
            services.record_listing_view(listing_id=listing.pk)
        time.sleep(0.4)
        for _ in range(30):
            services.record_listing_view(listing_id=listing.pk)

    lines = outage_lines(caplog)
    assert len(lines) == 2, lines  # the outage's start, and the first view after the interval
    assert "still unavailable" in lines[1]
    assert "51 views" in lines[1]


@pytest.fixture
def redis_port(own_prefix: str) -> Iterator[int]:
    """The port of the flush's Redis (its client is cached); given back after the test."""
    pool = services._redis(settings.REDIS_URL).connection_pool
    port = int(pool.connection_kwargs["port"])
    yield port
    connect_to(pool, port)


def flush_while_redis_goes_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """A flush during which Redis stops answering (refused), after the batch was added: it
    fails, and cannot release its lock then."""
    client = services._redis(settings.REDIS_URL)
    real_add_views = services._add_views

    def add_views_then_lose_redis(*args: object, **kwargs: object) -> int:
        added = real_add_views(*args, **kwargs)  # type: ignore[arg-type]
        connect_to(client.connection_pool, closed_port())
        return added

    monkeypatch.setattr(services, "_add_views", add_views_then_lose_redis)
    with pytest.raises(redis.ConnectionError):
        services.flush_listing_views()
    monkeypatch.undo()


def test_the_flush_after_one_that_failed_with_redis_runs_at_once(
    redis_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = ListingFactory.create()
    services.record_listing_view(listing_id=listing.pk)
    flush_while_redis_goes_away(monkeypatch)
    client = services._redis(settings.REDIS_URL)
    connect_to(client.connection_pool, redis_port)  # Redis is back, a minute later
    for _ in range(2):
        services.record_listing_view(listing_id=listing.pk)

    assert services.flush_listing_views() == 2  # not held off by the failed flush's lock

    assert ListingDay.objects.get(listing=listing).views == 3
    assert not client.exists(f"{services._prefix()}:flush-lock")


def test_a_flush_while_redis_is_still_away_keeps_the_lock_to_release(
    redis_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next flush came while Redis was still away: it failed too, and the lock it was to
    release must still be released by the one after, once Redis is back."""
    listing = ListingFactory.create()
    services.record_listing_view(listing_id=listing.pk)
    flush_while_redis_goes_away(monkeypatch)
    with pytest.raises(redis.ConnectionError):
        services.flush_listing_views()  # Redis still away
    client = services._redis(settings.REDIS_URL)
    connect_to(client.connection_pool, redis_port)
    services.record_listing_view(listing_id=listing.pk)

    assert services.flush_listing_views() == 1

    assert ListingDay.objects.get(listing=listing).views == 2


def test_a_failed_flush_never_releases_another_flushs_lock(
    redis_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failed flush's lock ran out meanwhile and another flush (another worker) holds the
    lock now: it is left to that flush."""
    listing = ListingFactory.create()
    services.record_listing_view(listing_id=listing.pk)
    flush_while_redis_goes_away(monkeypatch)
    client = services._redis(settings.REDIS_URL)
    connect_to(client.connection_pool, redis_port)
    lock_key = f"{services._prefix()}:flush-lock"
    client.set(lock_key, "another flush's token", ex=60)
    services.record_listing_view(listing_id=listing.pk)

    assert services.flush_listing_views() == 0

    assert client.get(lock_key) == b"another flush's token"


def test_the_flush_lock_lasts_no_longer_than_a_flush_may() -> None:
    """A flush killed by its task's hard time limit (its process gone, its lock never released)
    held off the flushes of the next five minutes."""
    assert tasks.flush_listing_views.time_limit == services.FLUSH_TIME_LIMIT
    assert services.FLUSH_TIME_LIMIT + 5 >= services.FLUSH_LOCK_SECONDS
