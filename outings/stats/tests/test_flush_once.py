"""Two flushes of the view buffer that overlap count each view once (one flush at a time)."""

import uuid

import pytest
import redis
from django.conf import settings
from django.test import override_settings

from outings.catalog.tests.factories import ListingFactory
from outings.stats import services
from outings.stats.models import ListingDay

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

    def add_views(rows):
        rows = list(rows)
        if not started:
            # The beat task fires again (or a second beat/worker runs it) while this one is
            # still writing: it finds the ":flushing" key and takes it as its own.
            started.append(True)
            services.flush_listing_views()
        real_add_views(rows)

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
