import logging

from celery import shared_task
from django.utils import timezone

from outings.catalog.photos import renditions

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def sweep_uploads() -> int:
    """Beat (slow queue, hourly): remove uploads no pending photo waits on."""
    removed = renditions.sweep_uploads(now=timezone.now())
    if removed:
        logger.info("photos: removed %s uploads no photo waits on", removed)
    return removed
