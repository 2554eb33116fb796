"""Session 22's review of the hourly purge of delivered messages (docs/background-work.md, "The
outbox"): it deleted every old delivered message in one DELETE, one transaction holding a lock on
each of them until the last was gone, waiting for any row another session held."""

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outings.common.models import OutboxMessage
from outings.common.outbox import relay, tasks
from outings.common.tests.connections import in_thread, lock_waiters, other_connection

Status = OutboxMessage.Status


def _delivered(count: int, *, days_ago: int = 30) -> list[int]:
    finished = timezone.now() - timedelta(days=days_ago)
    made = OutboxMessage.objects.bulk_create(
        OutboxMessage(kind="k", queue="urgent", status=Status.DONE, finished_at=finished)
        for _ in range(count)
    )
    return [message.pk for message in made]


def _deletes(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].startswith("DELETE")]


@pytest.mark.django_db
def test_the_purge_deletes_in_batches_of_a_bounded_size(caplog):
    """2,500 old delivered messages: three statements (1,000, 1,000, 500), not one."""
    _delivered(2 * relay.PURGE_BATCH + 500)
    parked = OutboxMessage.objects.create(
        kind="k", queue="urgent", status=Status.PARKED, finished_at=timezone.now() - timedelta(30)
    )
    recent = _delivered(1, days_ago=0)

    with CaptureQueriesContext(connection) as queries, caplog.at_level(logging.INFO):
        tasks.purge()

    deletes = _deletes(queries)
    assert len(deletes) == 3
    assert all(f"LIMIT {relay.PURGE_BATCH} FOR UPDATE SKIP LOCKED" in sql for sql in deletes)
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {parked.pk, *recent}
    assert "outbox: purged 2500 delivered messages" in caplog.messages


@pytest.mark.django_db(transaction=True)
def test_the_purge_neither_waits_for_nor_holds_back_another_session():
    """A session holding one old delivered message locked (a staff member's admin save, a
    long report) made the single DELETE wait for it, every row before it held locked all the
    while: the purge hung until that session ended. It now passes that message over (the next
    purge takes it)."""
    ids = _delivered(5)
    outcome: dict[str, Any] = {}
    with other_connection() as other:
        other.execute("SELECT 1 FROM common_outboxmessage WHERE id = %s FOR UPDATE", [ids[2]])
        before = timezone.now() - timedelta(days=1)
        purge = in_thread(outcome, "purged", lambda: relay.purge_done(before=before))
        purge.join(timeout=10)
        waiting = lock_waiters()
        other.rollback()
    purge.join(timeout=10)

    assert outcome == {"purged": 4}, f"the purge waited for the locked row ({waiting} waiting)"
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [ids[2]]


@pytest.mark.django_db
def test_the_purge_stops_when_its_time_is_spent_and_leaves_the_rest_for_the_next():
    """On a table far behind (the purge stopped for weeks, OUTBOX_KEEP_DAYS lowered) one run
    would outlast the task's time limit; each batch it deleted stays deleted, and the next
    hour's purge goes on from there."""
    _delivered(5)
    before = timezone.now() - timedelta(days=1)

    assert relay.purge_done(before=before, batch=2, budget=0) == 2
    assert OutboxMessage.objects.count() == 3
    assert relay.purge_done(before=before, batch=2) == 3
    assert not OutboxMessage.objects.exists()
