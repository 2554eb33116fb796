"""Periodic work: beat runs decide_minimums every BOOKINGS_MINIMUM_CHECK_SECONDS, so a date whose
minimum number of guests is not reached at its cut-off is cancelled within that time."""

import logging

from celery import shared_task
from django.utils import timezone

from outings.bookings import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def decide_minimums() -> None:
    """Idempotent: each slot is decided once, in its own transaction, at the time it is
    decided (its locks held): a run of up to 500 dates, or a wait for a date's lock, can outlast
    a date's start, and one `now` for the run cancelled it under way (until session 23)."""
    cancelled = 0
    for slot_id in services.slots_due_for_minimum(now=timezone.now()):
        cancelled += services.decide_minimum(
            slot_id=slot_id, now=timezone.now(), clock=timezone.now
        )
    if cancelled:
        logger.info("bookings: %s dates cancelled below their minimum", cancelled)
