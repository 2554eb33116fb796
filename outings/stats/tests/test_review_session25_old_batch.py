"""Review (session 25): a batch of views added to the database whose deletion from Redis failed
(Redis gone just then) stays in Redis, and its token in FlushedBatch tells the next flush that
reaches Redis not to add it again. The flush pruned the tokens older than
FLUSHED_BATCHES_KEPT before it read Redis, so after an outage that long (Redis away for a
week, its data kept) the first flush forgot the batch's token and then added the batch again:
every view of it counted twice. Tokens are now pruned after what Redis held is flushed."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from outings.catalog.tests.factories import ListingFactory
from outings.stats import services
from outings.stats.models import FlushedBatch, ListingDay
from outings.stats.tests.test_flush_once import connect_to
from outings.stats.tests.test_review_session21_redis_down import (
    flush_while_redis_goes_away,
    own_prefix,
    redis_port,
)

pytestmark = pytest.mark.django_db
__all__ = ["own_prefix", "redis_port"]  # fixtures, used by name


def test_a_batch_left_in_redis_longer_than_its_token_is_kept_is_not_added_again(
    redis_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = ListingFactory.create()
    for _ in range(3):
        services.record_listing_view(listing_id=listing.pk)
    flush_while_redis_goes_away(monkeypatch)  # added, and left in Redis
    assert ListingDay.objects.get(listing=listing).views == 3
    # Redis is back a little over FLUSHED_BATCHES_KEPT later.
    long_ago = timezone.now() - services.FLUSHED_BATCHES_KEPT - timedelta(hours=1)
    FlushedBatch.objects.update(flushed_at=long_ago)
    client = services._redis(settings.REDIS_URL)
    connect_to(client.connection_pool, redis_port)

    assert services.flush_listing_views() == 0

    assert ListingDay.objects.get(listing=listing).views == 3
    assert not list(client.scan_iter(f"{services._prefix()}:*:flushing"))
    assert not FlushedBatch.objects.filter(flushed_at__lt=long_ago + timedelta(minutes=1)).exists()
