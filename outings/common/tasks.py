from celery import shared_task
from django.utils import timezone

from outings.common import services

# The heartbeat each queue's workers record (beat sends one to each queue): /health checks each,
# so a queue that no worker consumes (urgent: mail, notifications, hold expiry) shows there.
HEARTBEATS = {"urgent": "urgent worker", "default": "worker", "slow": "slow worker"}


@shared_task(ignore_result=True)
def record_heartbeat(name: str = "worker") -> None:
    services.record_heartbeat(name=name, now=timezone.now())
