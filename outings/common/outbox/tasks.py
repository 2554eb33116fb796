"""Celery tasks of the outbox. They carry no state: a relay task means "drain this queue", so a
lost, duplicated or redelivered task costs a query, never an effect."""

import logging
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from outings.common.cache import CACHE_RETRY_SECONDS
from outings.common.outage import Outage
from outings.common.outbox import registry
from outings.common.outbox import relay as outbox_relay

logger = logging.getLogger(__name__)

# A database hiccup fails the whole task before any message is claimed: let Celery retry it.
_DB_ERRORS = (OperationalError, InterfaceError)
# How long a nudge's flag stands (see `nudge`): long enough for a busy worker to reach the task,
# short enough that a lost task costs little.
NUDGE_FLAG_SECONDS = 10
# A publish that failed after this long made its request wait (a broker that accepts and never
# answers costs the connection timeout, 2 s): see `nudge`.
SLOW_FAILURE_SECONDS = 0.5
# The shared cache that holds the nudge flags: its outage is logged when it begins, at most once
# a minute while it lasts and when it ends (until session 21 every nudge and every relay task
# logged a warning: one per commit under load).
flags_outage = Outage(
    logger=logger,
    name="outbox: the cache",
    effect="every nudge publishes a relay task (none coalesced)",
    failures="nudge flag reads and writes failed",
)
broker_outage = Outage(
    logger=logger,
    name="outbox: the broker",
    effect="the sweep delivers the outbox's messages",
    failures="nudges not published",
)


@shared_task(
    ignore_result=True,
    autoretry_for=_DB_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
    soft_time_limit=settings.OUTBOX_RELAY_SOFT_TIME_LIMIT,
    time_limit=settings.OUTBOX_RELAY_SOFT_TIME_LIMIT + 15,
)
def relay(queue: str) -> None:
    """Deliver the due messages of `queue`; hand over to a fresh task when the budget runs out so
    that one backlog never holds a worker past its time limit."""
    # Before reading the queue: a message committed from now on nudges again (see `nudge`).
    _forget_nudge(queue)
    if outbox_relay.drain(queue=queue, budget=settings.OUTBOX_DRAIN_SECONDS):
        nudge(queue)


@shared_task(ignore_result=True, autoretry_for=_DB_ERRORS, retry_backoff=2, max_retries=3)
def sweep() -> None:
    """Beat, every OUTBOX_SWEEP_SECONDS: recover messages whose worker died and nudge every queue
    that has due messages (missed nudges, retries whose backoff ended, broker outages)."""
    now = timezone.now()
    outbox_relay.recover_abandoned(now=now)
    for queue in outbox_relay.due_queues(now=now):
        nudge(queue, coalesce=False)  # the nudge that a flag left behind may have been lost


@shared_task(ignore_result=True)
def purge() -> None:
    before = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted = outbox_relay.purge_done(before=before)
    if deleted:
        logger.info("outbox: purged %s delivered messages", deleted)


def nudge(queue: str, *, coalesce: bool = True) -> None:
    """Ask a worker to drain `queue` now. Never raises: if the broker is unreachable the messages
    wait in the table and the sweep delivers them once it is back.

    Coalesced: a flag in the shared cache says that a relay task for the queue is published and
    no worker has started it yet. While it is there, another nudge is redundant, and publishing
    one (Celery builds and sends a message) cost a hold + confirm about 1 ms of its ~9 ms of
    CPU (docs/background-work.md, "The outbox"). The relay clears the flag before it reads the
    queue, so a message committed before the clearing is read by that relay and one committed
    after it nudges again: none waits for the sweep. The flag expires by itself after
    NUDGE_FLAG_SECONDS, should its task be lost; the sweep nudges without looking at it.

    A publish the broker refused at once clears the flag (the next commit tries again); one that
    failed only after making its request wait (a hung broker) raises every queue's flag, so that
    the commits of the next NUDGE_FLAG_SECONDS do not wait for it too (`_hold_nudges`). The
    broker's outage is logged when it begins, once a minute while it lasts and when it ends
    (`broker_outage`), not once per failed publish."""
    if coalesce and not _raise_flag(queue):
        return  # a relay task is already on its way
    started = time.monotonic()
    try:
        # No publish retries: a request must not hang on a dead broker; the sweep is the retry.
        relay.apply_async(args=(queue,), queue=queue, retry=False)
    except (BrokerError, OSError) as error:
        if time.monotonic() - started < SLOW_FAILURE_SECONDS:
            _forget_nudge(queue)  # refused at once: the next commit tries again
        else:
            _hold_nudges()
        broker_outage.failed(error)
    else:
        broker_outage.recovered()


def _raise_flag(queue: str) -> bool:
    """Add `queue`'s nudge flag; False if it was there already. True if the cache cannot be
    reached, or rests after an operation that timed out: nudge as if there were no flag."""
    if _flags_resting():
        flags_outage.skipped()
        return True
    try:
        added = bool(cache.add(_nudge_flag(queue), 1, timeout=NUDGE_FLAG_SECONDS))
    except Exception as error:  # noqa: BLE001 - any cache failure
        flags_outage.failed(error)
        return True
    flags_outage.recovered()
    return added


def _hold_nudges() -> None:
    """After a publish that failed slowly (a broker that hangs: each attempt waits for the
    connection timeout), every queue's flag stands for NUDGE_FLAG_SECONDS: the commits meanwhile
    leave their rows to the sweep instead of each waiting two seconds for the broker, so an
    outage costs one request in ten seconds that wait, not every one."""
    if _flags_resting():
        return
    try:
        cache.set_many(
            {_nudge_flag(queue): 1 for queue in registry.QUEUES}, timeout=NUDGE_FLAG_SECONDS
        )
    except Exception as error:  # noqa: BLE001 - without the cache every nudge tries, as before
        flags_outage.failed(error)
    else:
        flags_outage.recovered()


def _flags_resting() -> bool:
    """True for CACHE_RETRY_SECONDS after a flag operation that waited for its timeout (a hung
    Redis): the flags are not asked meanwhile, every nudge publishes. Until session 24 every
    commit that queued a message waited REDIS_TIMEOUT_SECONDS for its flag against a hung Redis.
    A cache that refuses at once is asked every time."""
    return flags_outage.resting_after_timeout(CACHE_RETRY_SECONDS)


def _nudge_flag(queue: str) -> str:
    return f"outbox:nudged:{queue}"


def _forget_nudge(queue: str) -> None:
    if _flags_resting():
        return  # the flag expires by itself
    try:
        cache.delete(_nudge_flag(queue))
    except Exception as error:  # noqa: BLE001 - the flag then expires by itself
        flags_outage.failed(error)
    else:
        flags_outage.recovered()
