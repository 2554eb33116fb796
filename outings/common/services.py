from datetime import datetime

from outings.common.models import Heartbeat


def record_heartbeat(*, name: str, now: datetime) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": now})
