"""Celery tasks of the outbox. They carry no state: a relay task means "drain this queue", so a
lost, duplicated or redelivered task costs a query, never an effect."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from outings.common.outbox import relay as outbox_relay

logger = logging.getLogger(__name__)

# A database hiccup fails the whole task before any message is claimed: let Celery retry it.
_DB_ERRORS = (OperationalError, InterfaceError)


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
    if outbox_relay.drain(queue=queue, budget=settings.OUTBOX_DRAIN_SECONDS):
        nudge(queue)


@shared_task(ignore_result=True, autoretry_for=_DB_ERRORS, retry_backoff=2, max_retries=3)
def sweep() -> None:
    """Beat, every OUTBOX_SWEEP_SECONDS: recover messages whose worker died and nudge every queue
    that has due messages (missed nudges, retries whose backoff ended, broker outages)."""
    now = timezone.now()
    outbox_relay.recover_abandoned(now=now)
    for queue in outbox_relay.due_queues(now=now):
        nudge(queue)


@shared_task(ignore_result=True)
def purge() -> None:
    before = timezone.now() - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted = outbox_relay.purge_done(before=before)
    if deleted:
        logger.info("outbox: purged %s delivered messages", deleted)


def nudge(queue: str) -> None:
    """Ask a worker to drain `queue` now. Never raises: if the broker is unreachable the messages
    wait in the table and the sweep delivers them once it is back."""
    try:
        # No publish retries: a request must not hang on a dead broker; the sweep is the retry.
        relay.apply_async(args=(queue,), queue=queue, retry=False)
    except (BrokerError, OSError) as error:
        logger.warning(
            "outbox: could not nudge queue %s (%s); the sweep will deliver", queue, error
        )
