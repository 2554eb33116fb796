"""Periodic work: beat runs decide_minimums every BOOKINGS_MINIMUM_CHECK_SECONDS, so a date whose
minimum number of guests is not reached at its cut-off is cancelled within that time."""

import logging

from celery import shared_task
from django.utils import timezone

from outings.bookings import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def decide_minimums() -> None:
    """Idempotent: each slot is decided once, in its own transaction."""
    now = timezone.now()
    cancelled = 0
    for slot_id in services.slots_due_for_minimum(now=now):
        cancelled += services.decide_minimum(slot_id=slot_id, now=now)
    if cancelled:
        logger.info("bookings: %s dates cancelled below their minimum", cancelled)
