"""Periodic work on schedules: beat runs materialize_schedules hourly (CELERY_BEAT_SCHEDULE), so
every schedule always has its slots up to SCHEDULE_HORIZON_DAYS ahead."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from outings.scheduling import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def materialize_schedules() -> None:
    """Idempotent: a second run in the same hour creates nothing."""
    result = services.materialize_schedules(
        now=timezone.now(), horizon_days=settings.SCHEDULE_HORIZON_DAYS
    )
    if result.created or result.removed or result.kept_booked:
        logger.info(
            "schedules: %s slots created, %s removed, %s booked kept",
            result.created,
            result.removed,
            result.kept_booked,
        )
