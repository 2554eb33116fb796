import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from outings.web import warming

logger = logging.getLogger(__name__)


@shared_task(
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=3,
    soft_time_limit=50,
    time_limit=60,
)
def refresh_aggregates() -> None:
    """Beat (slow queue): the home page's aggregates, before they expire."""
    warming.refresh_aggregates()


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=300)
def warm_cache() -> None:
    """Queued by `make run` when it starts (slow queue): the pages most visitors land on."""
    warmed = warming.warm()
    logger.info("cache warmed: %s pages, %s failed", warmed.pages, len(warmed.failed))
    for failure in warmed.failed:
        logger.warning("cache warming: %s", failure)
