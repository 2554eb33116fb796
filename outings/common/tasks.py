from celery import shared_task
from django.utils import timezone

from outings.common import services


@shared_task(ignore_result=True)
def record_heartbeat() -> None:
    services.record_heartbeat(name="worker", now=timezone.now())
