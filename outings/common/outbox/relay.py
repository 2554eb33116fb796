"""The relay: claims due outbox messages, runs their handlers and records what happened.

Claiming a message commits `status=running, attempts+1` and takes a PostgreSQL session-level
advisory lock on it in the same transaction. The lock lives as long as the claimer's database
session: if the worker is killed (kill -9, OOM, a hard time limit), PostgreSQL ends the session
and frees the lock, and the next sweep sees a running message nobody holds and puts it back
(the attempt counted, so a message that kills every worker ends up parked, not looping). A live
claimer keeps its lock, so the sweep never takes a message from a worker that is still on it.
"""

import enum
import logging
import random
import select
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

import psycopg
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from psycopg import pq

from outings.common.models import OutboxMessage
from outings.common.outbox import registry
from outings.common.rows import Columns

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
# Advisory locks take (int4, int4): the first number is ours ("ob"), the second the row id.
# Ids past 2**31 wrap; two messages 2**31 ids apart would have to run at the same instant to
# share a lock, and then one merely waits for the next sweep.
LOCK_CLASS = 0x6F62
MAX_ERROR_LENGTH = 4000
JITTER = 1.2  # a retry's delay is stretched by up to 20 %


class Outcome(enum.Enum):
    DONE = "done"
    RETRY = "retry"  # its downstream looks down: the drain passes over the rest of its kind
    DEFERRED = "deferred"  # retried on its own (registry.Deferred): the rest of its kind goes on
    PARKED = "parked"


def _lock_key(pk: int) -> int:
    return pk % 2**31


def _try_lock(pk: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, _lock_key(pk)])
        row = cursor.fetchone()
    return bool(row and row[0])


def _unlock(pk: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, _lock_key(pk)])


def backoff(attempts: int) -> timedelta:
    """Exponential, with up to 20% jitter so that a burst of failures does not retry in step, and
    never longer than OUTBOX_RETRY_MAX_SECONDS: the cap bounds the delay with its jitter, so
    delays that reach it spread over its last sixth (50 to 60 minutes for an hour)."""
    cap = float(settings.OUTBOX_RETRY_MAX_SECONDS)
    base = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    delay = min(cap / JITTER, base) * (1 + random.random() * (JITTER - 1))
    return timedelta(seconds=min(cap, delay))  # min: cap / JITTER * JITTER may round above cap


def max_attempts(kind: str) -> int:
    try:
        configured = registry.get(kind).max_attempts
    except registry.UnknownKind:
        configured = None
    return configured or settings.OUTBOX_MAX_ATTEMPTS


_TABLE = OutboxMessage._meta.db_table
_MESSAGE = Columns(OutboxMessage, "message")  # a claimed row loads as the ORM loads it
# One statement, one round trip: pick the oldest due pending message nobody else is picking
# (FOR UPDATE SKIP LOCKED), take its advisory lock (at most one call: the CTE holds one row),
# and mark it running with one more attempt. Committed at once in autocommit. {after} is empty,
# or a keyset condition that starts the index scan after the previous claim (see `drain`); kinds
# whose downstream refused during this drain are passed over.
_CLAIM = f"""
    WITH next AS MATERIALIZED (
        SELECT id FROM {_TABLE}
        WHERE status = 'pending' AND queue = %s AND due_at <= %s AND kind <> ALL(%s::text[])
            {{after}}
        ORDER BY due_at, id LIMIT 1
        FOR UPDATE SKIP LOCKED
    ), locked AS MATERIALIZED (
        SELECT id FROM next WHERE pg_try_advisory_lock({LOCK_CLASS}, (id %% 2147483648)::int)
    )
    UPDATE {_TABLE} AS message
    SET status = 'running', attempts = message.attempts + 1, claimed_at = %s
    FROM locked WHERE message.id = locked.id
    RETURNING {_MESSAGE.sql}
"""  # noqa: S608 - table and columns from the model, values as parameters
_CLAIM_FIRST = _CLAIM.format(after="")
_CLAIM_AFTER = _CLAIM.format(after="AND (due_at, id) > (%s, %s)")
# Done, and the lock released, in one statement: committed as soon as PostgreSQL receives it.
_MARK_DONE = f"""
    UPDATE {_TABLE} SET status = 'done', finished_at = now() WHERE id = %s
    RETURNING pg_advisory_unlock({LOCK_CLASS}, (id %% 2147483648)::int)
"""  # noqa: S608


def claim(
    *,
    queue: str,
    now: datetime,
    after: OutboxMessage | None = None,
    passing_over: Sequence[str] = (),
) -> OutboxMessage | None:
    """Take the oldest due pending message of `queue` (with `after`: the oldest that comes after
    that message in (due_at, id) order) whose kind is not in `passing_over`, or None. The caller
    must pass the result to `process`, which releases the advisory lock taken here."""
    skipped = list(passing_over)
    with connection.cursor() as cursor:
        if after is None:
            cursor.execute(_CLAIM_FIRST, [queue, now, skipped, now])
        else:
            cursor.execute(_CLAIM_AFTER, [queue, now, skipped, after.due_at, after.pk, now])
        row = cursor.fetchone()
    if row is None:
        return None
    message = _MESSAGE.load(row)
    message.locked = True  # type: ignore[attr-defined]
    return message


def mark_done(message: OutboxMessage) -> None:
    """Record that the message's effect happened, and release it. Non-atomic handlers call this
    at their point of no return, outside any transaction: one autocommit UPDATE, committed by
    PostgreSQL as soon as it arrives, even if we die right after sending it. The relay calls it
    for handlers that return without doing so."""
    with connection.cursor() as cursor:
        cursor.execute(_MARK_DONE, [message.pk])
    message.status = Status.DONE
    message.locked = False  # type: ignore[attr-defined]


def sealer(message: OutboxMessage) -> Callable[[], Callable[[], None]]:
    """`mark_done` at a point of no return (the final "." of an SMTP message), prepared: the
    database connection is opened if it is not and checked (`_check_session`), and the UPDATE
    built now, before the side effect, and the function returned sends it down the
    connection's libpq handle, without waiting for the answer. Call that right after the side
    effect's last write: only the call and one system call separate the effect from its record
    (a worker killed in between repeats the effect; building the statement there too made that
    window several times longer). It returns the function that reads the answer: call it next,
    whatever happens, before the connection is used again. Raises OperationalError, before
    any effect, for a session that has ended (retried as every lost connection is)."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    _check_session(pgconn, message)
    query = (_MARK_DONE % message.pk).encode()

    def fire() -> Callable[[], None]:
        pgconn.send_query(query)
        while pgconn.flush():  # a non-blocking connection may take more than one write
            _ready(pgconn.socket, select.POLLOUT, None)
        return finish

    def finish() -> None:
        answer = None
        while True:
            pgconn.consume_input()
            if pgconn.is_busy():
                _ready(pgconn.socket, select.POLLIN, None)
                continue
            result = pgconn.get_result()
            if result is None:
                break
            answer = result
        if answer is None or answer.status != pq.ExecStatus.TUPLES_OK:
            error = answer.error_message.decode(errors="replace") if answer else "no answer"
            # The session ended (the answer cut short, or PostgreSQL's FATAL: terminated,
            # shutting down) is a lost connection, retried; an error that PostgreSQL answered
            # on a live session is the handler's (the message is parked).
            severity = (
                answer.error_field(pq.DiagnosticField.SEVERITY_NONLOCALIZED) if answer else None
            )
            lost = pgconn.status == pq.ConnStatus.BAD or severity in (b"FATAL", b"PANIC")
            failure = OperationalError if lost else DatabaseError
            raise failure(f"could not mark outbox message {message.pk} done: {error}")
        message.status = Status.DONE
        message.locked = False  # type: ignore[attr-defined]

    return fire


def _ready(fd: int, events: int, timeout_ms: int | None) -> bool:
    """Whether the socket is ready for `events` within the timeout (None: wait). poll(2), not
    select(2): select takes no file descriptor over 1,023 (FD_SETSIZE), and a worker with that
    many files open got ValueError at every seal, after the effect."""
    poller = select.poll()
    poller.register(fd, events)
    return bool(poller.poll(timeout_ms))


def _check_session(pgconn: pq.abc.PGconn, message: OutboxMessage) -> None:
    """OperationalError if the database session has ended: PostgreSQL, restarted or told to end
    it, says so (FATAL) and closes it, and that is read here, without a round trip (only what
    has arrived is read: on a live idle session, one system call). libpq takes the FATAL of an
    idle session as a notice and notices the end at the next read, so this reads until
    nothing more has come. A link that dropped without a word is found only when the seal's
    answer is awaited, after the effect (docs/background-work.md)."""
    try:
        while pgconn.status == pq.ConnStatus.OK and _ready(pgconn.socket, select.POLLIN, 0):
            pgconn.consume_input()
    except psycopg.OperationalError as error:  # the socket gone, or the end read
        raise OperationalError(f"outbox message {message.pk}: {error}") from error
    if pgconn.status != pq.ConnStatus.OK:
        raise OperationalError(f"outbox message {message.pk}: the database session has ended")


def seal(message: OutboxMessage) -> Callable[[], None]:
    """`sealer`, prepared and fired at once."""
    return sealer(message)()


def _mark_done_in_transaction(message: OutboxMessage) -> None:
    """For atomic handlers: "done" commits with the handler's writes; the lock is released after
    the commit (releasing it before would let the sweep see a running message nobody holds)."""
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.DONE, finished_at=timezone.now()
    )


def process(message: OutboxMessage) -> Outcome:
    """Run the handler of a message returned by `claim` and record the outcome; releases the
    message's advisory lock whatever happens."""
    try:
        return _run(message)
    finally:
        if getattr(message, "locked", True):
            _unlock(message.pk)


def _run(message: OutboxMessage) -> Outcome:
    try:
        spec = registry.get(message.kind)
    except registry.UnknownKind:
        _park(message, f"no handler is registered for kind {message.kind!r}")
        return Outcome.PARKED
    retryable: tuple[type[BaseException], ...] = (
        *spec.retry_on,
        registry.Deferred,
        SoftTimeLimitExceeded,
    )
    try:
        if spec.atomic:
            with transaction.atomic():
                spec.func(message)
                _mark_done_in_transaction(message)
            message.status = Status.DONE  # committed
        else:
            spec.func(message)
            if message.status != Status.DONE:
                mark_done(message)
    except retryable as error:
        _reconnect_if_lost(message)
        deferred = isinstance(error, registry.Deferred)
        reason = str(error) if deferred else f"{type(error).__name__}: {error}"
        if message.attempts >= max_attempts(message.kind):
            logger.error(
                "outbox: parked #%s %s after %s attempts: %s",
                message.pk,
                message.kind,
                message.attempts,
                reason,
            )
            _park(message, reason)
            return Outcome.PARKED
        logger.warning(
            "outbox: #%s %s failed (attempt %s), will retry: %s",
            message.pk,
            message.kind,
            message.attempts,
            reason,
        )
        _retry_later(message, reason)
        return Outcome.DEFERRED if deferred else Outcome.RETRY
    except Exception:
        logger.exception("outbox: parked #%s %s: its handler raised", message.pk, message.kind)
        _reconnect_if_lost(message)
        _park(message, traceback.format_exc())
        return Outcome.PARKED
    return Outcome.DONE


def _reconnect_if_lost(message: OutboxMessage) -> None:
    """After the handler lost the database connection (whichever layer noticed: Django's cursor
    or the seal's libpq calls), drop it, so that the outcome is recorded on a new one now rather
    than by the sweep once the task has died on it. The session's end released the message's
    advisory lock; `_as_claimed` keeps the record from undoing what that session committed."""
    if connection.in_atomic_block:
        return  # a caller's transaction (tests) cannot go on without the old connection
    if connection.connection is not None and connection.is_usable():
        return
    connection.close()
    message.locked = False  # type: ignore[attr-defined]


def _as_claimed(message: OutboxMessage) -> QuerySet[OutboxMessage]:
    """The message's row if it is as this worker last knew it: same status, same attempt. A
    row that differs is not ours to change: a seal or an atomic handler's commit that went
    through though its answer was lost with the connection left it done (putting it back to
    pending would do its effect again), or the sweep gave it to another worker meanwhile."""
    return OutboxMessage.objects.filter(
        pk=message.pk, status=message.status, attempts=message.attempts
    )


def _record(message: OutboxMessage, status: str, **values: object) -> None:
    if _as_claimed(message).update(status=status, **values):
        message.status = status
    else:
        logger.warning(
            "outbox: #%s %s changed meanwhile (done, or claimed again); left as it is",
            message.pk,
            message.kind,
        )


def _retry_later(message: OutboxMessage, reason: str) -> None:
    due_at = timezone.now() + backoff(message.attempts)
    _record(
        message,
        Status.PENDING,
        due_at=due_at,
        last_error=reason[-MAX_ERROR_LENGTH:],
        finished_at=None,
    )


def _park(message: OutboxMessage, reason: str) -> None:
    _record(
        message, Status.PARKED, finished_at=timezone.now(), last_error=reason[-MAX_ERROR_LENGTH:]
    )


# Set when this process's worker is stopping (config.celery: a warm shutdown), from a signal
# handler: a drain then claims nothing more.
_stopping = False


def stop_claiming() -> None:
    """Tell this process's drains to finish the message they are on and claim no other: its
    worker is stopping, and the messages left are the next worker's. Safe in a signal
    handler (it sets a flag)."""
    global _stopping
    _stopping = True


def drain(*, queue: str, budget: float) -> bool:
    """Deliver the due messages of `queue` one by one, oldest first. Stops when none is due
    (returns False) or when `budget` seconds are spent or its worker is stopping (True: more
    may be due, nudge again: the next worker finds a relay task waiting).
    After a retryable failure the rest of that message's kind is passed over for this drain
    (its downstream looks down: the sweep comes back after backoff instead of spending an
    attempt of every such message on it), while the other kinds of the queue go on: SMTP being
    down must not hold back a confirmation or a lapsing hold queued behind mail. A message
    `Deferred` by its handler waits alone: its downstream took the others.

    Each claim starts where the previous one left off. Claimed messages leave dead entries at the
    front of the pending index until (auto)vacuum removes them, and PostgreSQL cannot even mark
    them dead while any transaction in the cluster is older than they are: a claim that scanned
    from the front would read every message delivered since the last vacuum (measured: 2 ms per
    claim after 1,000 messages, docs/background-work.md). A message that sorts before the
    position (one enqueued by a transaction that committed late) is found by the claim from the
    front that has to come up empty before the queue is called empty."""
    deadline = time.monotonic() + budget
    previous: OutboxMessage | None = None
    down: list[str] = []  # kinds that failed retryably in this drain
    with _asynchronous_commit():
        while time.monotonic() < deadline:
            if _stopping:
                return True
            message = claim(queue=queue, now=timezone.now(), after=previous, passing_over=down)
            if message is None:
                if previous is None:
                    return False
                previous = None  # once more from the front before calling the queue empty
                continue
            if process(message) is Outcome.RETRY:
                down.append(message.kind)
            previous = message
    return True


@contextmanager
def _asynchronous_commit() -> Iterator[None]:
    """The relay's bookkeeping commits without waiting for its WAL to reach the disk (an fsync
    per status change). Safe: a worker killed after such a commit changes nothing, PostgreSQL has
    it; only a crash of PostgreSQL itself can lose the last fraction of a second of them, and
    then those messages are found running or pending again and redelivered (at least once, never
    lost). Asynchronous commits keep their order, so an atomic handler's writes and its "done"
    stay together. Handlers' own writes in this window are covered the same way."""
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def recover_abandoned(*, now: datetime, limit: int = 500) -> int:
    """Put back the running messages whose claimer died (nobody holds their advisory lock).
    Returns how many were recovered. Safe to run from any number of processes."""
    recovered = 0
    with transaction.atomic():
        running = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=Status.RUNNING)
            .order_by("id")[:limit]
        )
        for message in running:
            if not _try_lock(message.pk):
                continue  # a live worker is on it
            try:
                reason = f"the process running attempt {message.attempts} died"
                if message.attempts >= max_attempts(message.kind):
                    _park(message, reason)
                else:
                    OutboxMessage.objects.filter(pk=message.pk).update(
                        status=Status.PENDING, due_at=now, last_error=reason
                    )
                logger.warning("outbox: recovered #%s %s: %s", message.pk, message.kind, reason)
                recovered += 1
            finally:
                _unlock(message.pk)
    return recovered


def due_queues(*, now: datetime) -> list[str]:
    return [
        queue
        for queue in registry.QUEUES
        if OutboxMessage.objects.filter(status=Status.PENDING, queue=queue, due_at__lte=now)
        .order_by()
        .exists()
    ]


# The purge deletes this many delivered messages per statement, each statement a transaction of
# its own, for at most PURGE_SECONDS (within the task's soft time limit, 240 s).
PURGE_BATCH = 1000
PURGE_SECONDS = 120.0


def purge_done(*, before: datetime, batch: int = PURGE_BATCH, budget: float = PURGE_SECONDS) -> int:
    """Delete delivered messages finished before `before` (parked ones stay until staff act)
    and return how many. `batch` at a time, each batch committed on its own: one DELETE of a
    large backlog was one long transaction holding a lock on every row until the last was gone
    (and rolled back whole at the task's time limit). A message another session holds locked is
    passed over (SKIP LOCKED: the purge never waits), and once `budget` seconds are spent the
    rest is left: the next purge takes both. Inside a caller's transaction the batches are
    savepoints, their locks held until it ends: call it from a task."""
    deadline = time.monotonic() + budget
    old = OutboxMessage.objects.filter(status=Status.DONE, finished_at__lt=before).order_by()
    purged = 0
    while True:
        with transaction.atomic():
            chosen = old.select_for_update(skip_locked=True).values("pk")[:batch]
            deleted, _ = OutboxMessage.objects.filter(pk__in=chosen).delete()
        purged += deleted
        if deleted < batch or time.monotonic() >= deadline:
            return purged
