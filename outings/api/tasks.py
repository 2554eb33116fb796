from celery import shared_task
from django.utils import timezone

from outings.api import idempotency


@shared_task(ignore_result=True)
def sweep_idempotency_keys() -> int:
    return idempotency.sweep_expired_keys(now=timezone.now())
