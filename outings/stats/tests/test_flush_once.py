"""Two flushes of the view buffer that overlap count each view once (one flush at a time)."""

import socket
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
import redis
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from outings.catalog.tests.factories import ListingFactory
from outings.stats import services
from outings.stats.models import FlushedBatch, ListingDay

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_prefix(redis_url: str):
    """A Redis key prefix of this test's own, so that no other run's flush touches our keys."""
    caches = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"review-{uuid.uuid4()}"}}
    with override_settings(REDIS_URL=redis_url, CACHES=caches):
        yield
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{services._prefix()}*"):
            client.delete(key)


def test_two_overlapping_flushes_count_each_view_once(own_prefix, monkeypatch) -> None:
    listing = ListingFactory.create()
    for _ in range(3):
        services.record_listing_view(listing_id=listing.pk)

    real_add_views = services._add_views
    started: list[bool] = []

    def add_views(rows, **kwargs):
        rows = list(rows)
        if not started:
            # The beat task fires again (or a second beat/worker runs it) while this one is
            # still writing: it finds the ":flushing" key and takes it as its own.
            started.append(True)
            services.flush_listing_views()
        return real_add_views(rows, **kwargs)

    monkeypatch.setattr(services, "_add_views", add_views)
    services.flush_listing_views()

    assert ListingDay.objects.get(listing=listing).views == 3


def test_a_view_counted_while_a_flush_finds_its_day_empty_is_flushed_later(
    own_prefix, monkeypatch
) -> None:
    """A flush that found a day's hash gone (no views since the last flush) took the day off the
    list of days to flush; a view counted between the two steps went into a hash no flush would
    look at again (until another view of that day put the day back: never, for a day just
    ended), and stayed in Redis, uncounted."""
    listing = ListingFactory.create()
    services.record_listing_view(listing_id=listing.pk)
    services.flush_listing_views()  # the day stays on the list, its hash gone

    real_rename = redis.Redis.rename

    def rename(self, src, dst):
        try:
            return real_rename(self, src, dst)
        except redis.ResponseError:
            services.record_listing_view(listing_id=listing.pk)  # just then
            raise

    monkeypatch.setattr(redis.Redis, "rename", rename)
    services.flush_listing_views()
    monkeypatch.undo()
    services.flush_listing_views()

    assert ListingDay.objects.get(listing=listing).views == 2


def closed_port() -> int:
    """A port on this machine that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def connect_to(pool: redis.ConnectionPool, port: int) -> None:
    """Point `pool` at `port`: its connections from now on are new ones, made there."""
    pool.connection_kwargs["port"] = port
    pool.disconnect()
    pool.reset()


@pytest.fixture
def redis_port(own_prefix) -> Iterator[int]:
    """The port of the flush's Redis (its client is cached); gives it back after the test."""
    pool = services._redis(settings.REDIS_URL).connection_pool
    port = int(pool.connection_kwargs["port"])
    yield port
    connect_to(pool, port)


def test_a_batch_written_before_redis_failed_is_not_counted_again(
    redis_port: int, monkeypatch
) -> None:
    """The flush adds a day's batch to the database, then deletes it from Redis: Redis failing
    in between left the batch in Redis, and the next flush added it again (every view of the
    last minute counted twice, by every Redis hiccup)."""
    listing = ListingFactory.create()
    for _ in range(3):
        services.record_listing_view(listing_id=listing.pk)
    client = services._redis(settings.REDIS_URL)
    real_add_views = services._add_views

    def add_views_then_lose_redis(*args, **kwargs):
        real_add_views(*args, **kwargs)
        connect_to(client.connection_pool, closed_port())  # Redis is gone: refused

    monkeypatch.setattr(services, "_add_views", add_views_then_lose_redis)
    with pytest.raises(redis.ConnectionError):
        services.flush_listing_views()
    monkeypatch.undo()
    assert ListingDay.objects.get(listing=listing).views == 3

    connect_to(client.connection_pool, redis_port)  # Redis is back
    client.delete(f"{services._prefix()}:flush-lock")  # its timeout has run out meanwhile
    services.record_listing_view(listing_id=listing.pk)
    services.flush_listing_views()

    assert ListingDay.objects.get(listing=listing).views == 4
    assert not list(client.scan_iter(f"{services._prefix()}:*:flushing"))


def test_batches_flushed_long_ago_are_forgotten(own_prefix) -> None:
    old = FlushedBatch.objects.create(
        token=uuid.uuid4(), flushed_at=timezone.now() - services.FLUSHED_BATCHES_KEPT * 2
    )
    listing = ListingFactory.create()
    services.record_listing_view(listing_id=listing.pk)

    services.flush_listing_views()

    assert not FlushedBatch.objects.filter(pk=old.pk).exists()
    assert FlushedBatch.objects.count() == 1


def test_views_buffered_before_the_quarters_count_on_their_utc_day(own_prefix) -> None:
    """A field of a day's hash without its minute, as processes counted views before views were
    buffered by the quarter (at a deploy, the buffer holds a minute of them): its views count at
    noon UTC, so on that UTC day for a listing in Toronto, as they did."""
    listing = ListingFactory.create(time_zone="America/Toronto")
    client = services._redis(settings.REDIS_URL)
    prefix = services._prefix()
    client.hincrby(f"{prefix}:2026-03-10", str(listing.pk), 2)
    client.sadd(f"{prefix}:days", "2026-03-10")

    assert services.flush_listing_views() == 2

    assert list(ListingDay.objects.values_list("day", "views")) == [(date(2026, 3, 10), 2)]
