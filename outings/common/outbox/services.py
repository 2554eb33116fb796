"""Writing to the outbox: `enqueue` (and `enqueue_many`) in the caller's transaction, and staff
retries."""

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from outings.common.models import OutboxMessage
from outings.common.outbox import registry
from outings.common.outbox.tasks import nudge

Status = OutboxMessage.Status

# `enqueue` runs inside callers' transactions, often many times in one: a statement written
# once instead of Model.save(), which prepares every field and compiles its SQL on every call
# (about half of an enqueue's time in a profile, docs/background-work.md). It sets what the
# model's defaults would; the payload is encoded once, with the JSONField's encoder. A test
# compares the returned message with the stored row, so a new column cannot be forgotten here.
_INSERT = f"""
    INSERT INTO {OutboxMessage._meta.db_table}
        (kind, queue, payload, status, attempts, due_at, created_at, last_error)
    VALUES (%s, %s, %s::jsonb, 'pending', 0, %s, %s, '')
    RETURNING id
"""  # noqa: S608 - table name from the model, values as parameters
_FIELDS = [field.attname for field in OutboxMessage._meta.concrete_fields]


class _Nudge:
    """An on-commit callback that nudges one queue; at most one per queue per transaction."""

    def __init__(self, queue: str) -> None:
        self.queue = queue

    def __call__(self) -> None:
        nudge(self.queue)


def _nudge_on_commit(queue: str) -> None:
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # One nudge per queue per transaction, not one per message: a relay task drains the whole
        # queue anyway. A callback registered in a savepoint that rolls back is dropped by Django
        # together with the messages written in it, so finding ours here means it will run.
        for _, callback, _ in connection.run_on_commit:
            if isinstance(callback, _Nudge) and callback.queue == queue:
                return
    transaction.on_commit(_Nudge(queue))


def enqueue(
    *, kind: str, payload: Mapping[str, Any], due_at: datetime | None = None
) -> OutboxMessage:
    """Promise a side effect: a row written in the caller's transaction, so it exists if and only
    if the transaction commits. After commit a worker is nudged; the periodic sweep delivers it
    anyway if the nudge is lost (broker down, process killed right after commit). `due_at` defers
    it (reminders, expiries): it is picked up by the sweep once due, never by a long countdown.

    Raises UnknownKind for a kind with no registered handler and TypeError for a payload that is
    not JSON-serialisable, both in the caller's transaction."""
    spec = registry.get(kind)
    # Fails here, before the INSERT, so that the caller's transaction stays usable.
    encoded = json.dumps(payload, cls=DjangoJSONEncoder)
    now = timezone.now()
    due = due_at or now
    # The caller's connection, whatever a router says: the row must be in their transaction.
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [kind, spec.queue, encoded, due, now])
        (pk,) = cursor.fetchone()
    values = {
        "id": pk,
        "kind": kind,
        "queue": spec.queue,
        "payload": dict(payload),
        "status": Status.PENDING,
        "attempts": 0,
        "due_at": due,
        "created_at": now,
        "claimed_at": None,
        "finished_at": None,
        "last_error": "",
    }
    message = OutboxMessage.from_db(connection.alias, _FIELDS, [values[n] for n in _FIELDS])
    if due_at is None or due_at <= now:
        _nudge_on_commit(spec.queue)
    return message


def enqueue_many(*, kind: str, payloads: Iterable[Mapping[str, Any]]) -> list[OutboxMessage]:
    """`enqueue` for many messages of one kind, due now, in one INSERT however many there are
    (a bulk change: the importer publishing a thousand listings again), with one nudge after
    commit. Each message is delivered, retried and parked on its own. Refuses an unknown kind
    and a payload that is not JSON before writing, as `enqueue` does."""
    spec = registry.get(kind)
    now = timezone.now()
    messages = [
        OutboxMessage(
            kind=kind, queue=spec.queue, payload=dict(payload), due_at=now, created_at=now
        )
        for payload in payloads
    ]
    for message in messages:
        json.dumps(message.payload, cls=DjangoJSONEncoder)  # TypeError here, before the INSERT
    if not messages:
        return messages
    # The caller's connection, whatever a router says: the rows must be in their transaction.
    OutboxMessage.objects.using(transaction.get_connection().alias).bulk_create(messages)
    _nudge_on_commit(spec.queue)
    return messages


@transaction.atomic
def retry_messages(*, message_ids: Iterable[int]) -> list[int]:
    """Staff action: give parked (or pending) messages a fresh set of attempts, due now. Delivered
    and running messages are left alone, also one that a worker claimed or finished while this
    waited for its lock. Returns the ids of those it reset, in order: what the caller may say
    (and log) it retried."""
    locked = list(
        OutboxMessage.objects.select_for_update()
        .filter(pk__in=list(message_ids), status__in=[Status.PARKED, Status.PENDING])
        .order_by("pk")
        .values_list("pk", "queue")
    )
    retried = [pk for pk, _ in locked]
    OutboxMessage.objects.filter(pk__in=retried).update(
        status=Status.PENDING, attempts=0, due_at=timezone.now(), finished_at=None
    )
    for queue in {queue for _, queue in locked}:
        _nudge_on_commit(queue)
    return retried
