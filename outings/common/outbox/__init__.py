"""The transactional outbox: every side effect leaves through here (DESIGN.md invariant 4).

    outbox.enqueue(kind="email.send", payload={...})   # in the caller's transaction

    @outbox.handler("email.send", queue="urgent", atomic=False, retry_on=(SMTPException,))
    def send(message: OutboxMessage) -> None: ...

See docs/background-work.md for the delivery guarantees.
"""

from outings.common.outbox.registry import Deferred, UnknownKind, handler
from outings.common.outbox.relay import mark_done, seal, sealer
from outings.common.outbox.services import enqueue, enqueue_many, retry_messages

__all__ = [
    "Deferred",
    "UnknownKind",
    "enqueue",
    "enqueue_many",
    "handler",
    "mark_done",
    "retry_messages",
    "seal",
    "sealer",
]
