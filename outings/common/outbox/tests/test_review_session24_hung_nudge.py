"""Against a Redis that takes connections and never answers (hung, or a machine gone from a
network that drops its packets), every commit that queued an outbox message (a booking, a
message, a mail) waited REDIS_TIMEOUT_SECONDS after it for its nudge's flag (`cache.add`) before
it published the relay task anyway: six commits, six seconds. Now, after a flag operation that
waited for its timeout, the flags are not asked for CACHE_RETRY_SECONDS (outings.common.cache),
as the caches and the view counter (session 24): every nudge publishes meanwhile, as without the
cache, and the sweep still delivers whatever a lost nudge left behind."""

import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.common.outbox import relay, tasks
from outings.common.tests.connections import hung_redis_server

pytestmark = [
    pytest.mark.django_db(transaction=True),  # real commits, their on-commit nudges
    pytest.mark.skipif(not settings.REDIS_URL, reason="the services profile's Redis cache"),
]


@outbox.handler("test.s24.hung", queue="urgent", atomic=False)
def noop(message: OutboxMessage) -> None:
    pass


@pytest.fixture
def hung_redis() -> Iterator[str]:
    with hung_redis_server() as address:
        yield address


def _pointed_at(address: str) -> dict[str, dict[str, object]]:
    return {name: {**config, "LOCATION": address} for name, config in settings.CACHES.items()}


def _commit_a_message() -> None:
    with transaction.atomic():
        outbox.enqueue(kind="test.s24.hung", payload={})


def test_a_hung_flag_cache_costs_one_timeout_not_one_per_commit(hung_redis, nudges):
    with override_settings(CACHES=_pointed_at(hung_redis)):
        began = time.monotonic()
        for _ in range(6):
            _commit_a_message()
        waited = time.monotonic() - began
        assert nudges == ["urgent"] * 6  # every nudge published, none coalesced (no flag)
        assert tasks.flags_outage.failed_count == 6  # one timed out, five not asked

        # The fallbacks: the sweep nudges what is due, and a relay delivers it, neither waiting.
        began = time.monotonic()
        assert relay.due_queues(now=timezone.now()) == ["urgent"]
        tasks.sweep()
        tasks.relay("urgent")
        delivering = time.monotonic() - began

    assert waited < settings.REDIS_TIMEOUT_SECONDS + 1.5, waited  # 6.1 s before
    assert nudges == ["urgent"] * 7
    assert delivering < 0.5 * settings.REDIS_TIMEOUT_SECONDS, delivering
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {
        OutboxMessage.Status.DONE
    }
    assert OutboxMessage.objects.count() == 6


def test_once_the_rest_is_over_the_flags_coalesce_again(hung_redis, nudges, monkeypatch):
    """The control: once the rest is over, a cache that answers holds the flag again and a
    second commit before the relay runs publishes nothing."""
    rest = 1.5 * settings.REDIS_TIMEOUT_SECONDS
    monkeypatch.setattr(tasks, "CACHE_RETRY_SECONDS", rest)
    with override_settings(CACHES=_pointed_at(hung_redis)):
        _commit_a_message()  # waited the timeout
    _commit_a_message()  # resting: not asked, published
    assert cache.get("outbox:nudged:urgent") is None

    time.sleep(rest)
    _commit_a_message()
    _commit_a_message()  # coalesced by the flag
    assert nudges == ["urgent"] * 3
