"""Writing to the outbox: `enqueue` in the caller's transaction, and staff retries."""

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
    # Fail here, before the INSERT, so that the caller's transaction stays usable.
    json.dumps(payload, cls=DjangoJSONEncoder)
    now = timezone.now()
    message = OutboxMessage.objects.create(
        kind=kind, queue=spec.queue, payload=dict(payload), due_at=due_at or now, created_at=now
    )
    if due_at is None or due_at <= now:
        _nudge_on_commit(spec.queue)
    return message


@transaction.atomic
def retry_messages(*, message_ids: Iterable[int]) -> int:
    """Staff action: give parked (or pending) messages a fresh set of attempts, due now. Delivered
    and running messages are left alone. Returns how many were reset."""
    rows = OutboxMessage.objects.select_for_update().filter(
        pk__in=list(message_ids), status__in=[Status.PARKED, Status.PENDING]
    )
    queues = set(rows.values_list("queue", flat=True))
    count = rows.update(status=Status.PENDING, attempts=0, due_at=timezone.now(), finished_at=None)
    for queue in queues:
        _nudge_on_commit(queue)
    return count
