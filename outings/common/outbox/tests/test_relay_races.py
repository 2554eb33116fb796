"""Several relays (Celery workers) and the sweep on one queue at once, each in its own thread
with its own database connection: every message is delivered exactly once (ADR 0006: claims
take FOR UPDATE SKIP LOCKED and an advisory lock that the sweep respects)."""

import threading
import time
from collections import Counter

import psycopg
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


def test_a_claim_passes_over_a_message_another_claimer_is_taking_and_takes_the_next() -> None:
    """Two relays reach the oldest message at the same moment: the second must neither wait for
    the first nor go on to take the same row once the first has let go of it (its advisory lock
    released, the message delivered: it would be delivered twice). `FOR UPDATE SKIP LOCKED`
    passes over the row the other claim holds and takes the next one. Here another session
    holds the oldest row's lock, as a claim in progress does."""
    first = outbox.enqueue(kind="test.counted", payload={"n": 1})
    second = outbox.enqueue(kind="test.counted", payload={"n": 2})
    params = connection.get_connection_params()
    params = {k: v for k, v in params.items() if k in {"host", "port", "user", "dbname"}}
    with psycopg.connect(**params) as other:  # its transaction stays open until the end
        other.execute("SELECT id FROM common_outboxmessage WHERE id = %s FOR UPDATE", [first.pk])
        with connection.cursor() as cursor:  # waiting would fail the test, not hang it
            cursor.execute("SET lock_timeout = '2s'")
        try:
            claimed = relay.claim(queue="slow", now=timezone.now())
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        assert claimed is not None
        assert claimed.pk == second.pk
        relay.process(claimed)

    first.refresh_from_db()
    assert first.status == OutboxMessage.Status.PENDING
    assert OutboxMessage.objects.get(pk=second.pk).status == OutboxMessage.Status.DONE
