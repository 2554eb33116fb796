from datetime import datetime

from outings.common.models import Heartbeat, Milestone


def record_heartbeat(*, name: str, now: datetime) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": now})


def reach_milestone(*, name: str) -> None:
    Milestone.objects.get_or_create(name=name)
