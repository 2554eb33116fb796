import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from outings.stats import services

logger = logging.getLogger(__name__)


@shared_task(
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=services.FLUSH_TIME_LIMIT - 10,
    time_limit=services.FLUSH_TIME_LIMIT,
)
def flush_listing_views() -> None:
    """Beat (slow queue): move buffered listing views into the daily table."""
    moved = services.flush_listing_views()
    if moved:
        logger.info("stats: flushed %s listing views", moved)
