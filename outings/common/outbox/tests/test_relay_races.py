"""Several relays (Celery workers) and the sweep on one queue at once, each in its own thread
with its own database connection: every message is delivered exactly once (ADR 0006: claims
take FOR UPDATE SKIP LOCKED and an advisory lock that the sweep respects)."""

import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.common.outbox import relay

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = 40
RELAYS = 4
handled: list[int] = []
handled_lock = threading.Lock()


@outbox.handler("test.counted", queue="slow", atomic=False)
def counted(message: OutboxMessage) -> None:
    """Records each delivery; the short pause keeps every relay busy at once."""
    with handled_lock:
        handled.append(message.pk)
    time.sleep(0.01)


def test_relays_and_the_sweep_running_at_once_deliver_each_message_once() -> None:
    handled.clear()
    messages = [outbox.enqueue(kind="test.counted", payload={"n": n}) for n in range(MESSAGES)]
    start = threading.Barrier(RELAYS + 1)
    draining = threading.Event()
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            start.wait(10)
            relay.drain(queue="slow", budget=30)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    def sweep() -> None:
        try:
            start.wait(10)
            while draining.is_set():
                relay.recover_abandoned(now=timezone.now())
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    draining.set()
    relays = [threading.Thread(target=drain) for _ in range(RELAYS)]
    sweeper = threading.Thread(target=sweep)
    for thread in [*relays, sweeper]:
        thread.start()
    for thread in relays:
        thread.join(60)
    draining.clear()
    sweeper.join(20)

    assert errors == []
    assert Counter(handled) == Counter(message.pk for message in messages)
    assert set(OutboxMessage.objects.values_list("status", "attempts")) == {
        (OutboxMessage.Status.DONE, 1)
    }
