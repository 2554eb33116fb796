"""Which function delivers each kind of outbox message, on which queue, and how it fails.

Apps register their handlers at start-up (their AppConfig.ready imports a `handlers` module), so
every process (web, worker, beat) knows every kind: `enqueue` refuses an unknown kind at once, in
the caller's transaction, rather than parking a message no worker can deliver.
"""

from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from django.db import InterfaceError, OperationalError

from outings.common.models import OutboxMessage

QUEUES = ("urgent", "default", "slow")
# A lost database connection is worth another try whatever the handler does, whichever layer
# raises it: Django's cursors raise Django's OperationalError, the seal's libpq calls
# (relay.sealer) psycopg's own.
ALWAYS_RETRY: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
)

HandlerFunc = Callable[[OutboxMessage], None]


@dataclass(frozen=True)
class Handler:
    kind: str
    func: HandlerFunc
    queue: str
    # True: the handler's database writes and the "done" mark commit together (exactly once for
    # database effects). False: the handler talks to the outside world and must not hold a
    # transaction open; it may call `outbox.mark_done` itself at its point of no return.
    atomic: bool
    retry_on: tuple[type[BaseException], ...]
    max_attempts: int | None  # None: settings.OUTBOX_MAX_ATTEMPTS
    # True: the payload carries a secret (a password-reset or verification link) that hands
    # over an account; only superusers see it in the admin.
    secret: bool = False


_handlers: dict[str, Handler] = {}


class UnknownKind(LookupError):
    pass


class Deferred(Exception):
    """Raised by a handler when this message must wait while its downstream works (a mail server
    that takes other mail says "later" to this one's recipient): it is retried with backoff like
    a retryable failure, whatever the handler's `retry_on`, but the rest of its kind goes on in
    the same drain. `str(error)` is the reason recorded."""


def handler(
    kind: str,
    *,
    queue: str = "default",
    atomic: bool = True,
    retry_on: tuple[type[BaseException], ...] = (),
    max_attempts: int | None = None,
    secret: bool = False,
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register `func` as the handler of `kind`. Handlers must be idempotent, keyed by the outbox
    message id: a message is delivered at least once, and again after a crash mid-handler.
    Exceptions in `retry_on` are retried with backoff up to `max_attempts`, and the rest of the
    kind waits with the message (its downstream looks down); `Deferred` is retried the same way
    while the rest of the kind goes on. Any other exception parks the message at once (a bug
    or a malformed payload does not improve by waiting).
    `secret=True` hides the payloads of `kind` from staff other than superusers."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; use one of {QUEUES}")

    def register(func: HandlerFunc) -> HandlerFunc:
        existing = _handlers.get(kind)
        if existing is not None and existing.func is not func:
            raise ValueError(f"outbox kind {kind!r} already has a handler: {existing.func}")
        _handlers[kind] = Handler(
            kind=kind,
            func=func,
            queue=queue,
            atomic=atomic,
            retry_on=(*retry_on, *ALWAYS_RETRY),
            max_attempts=max_attempts,
            secret=secret,
        )
        return func

    return register


def get(kind: str) -> Handler:
    try:
        return _handlers[kind]
    except KeyError:
        raise UnknownKind(kind) from None


def is_secret(kind: str) -> bool:
    """Whether messages of `kind` carry a secret; an unknown kind is treated as one."""
    found = _handlers.get(kind)
    return found is None or found.secret


def kinds() -> list[str]:
    return sorted(_handlers)
