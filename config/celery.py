import contextlib
import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("outings")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py, plus the outbox's (a package inside outings.common).
app.autodiscover_tasks()
app.autodiscover_tasks(["outings.common.outbox"])


# beat opens its schedule file before any signal, whoever started it (the runner, a Procfile on
# a fresh checkout): its folder must exist by then.
# On a read-only checkout beat itself then says where it cannot write.
with contextlib.suppress(OSError):
    Path(app.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)


@worker_ready.connect
def _report_ready(sender: object = None, **_: object) -> None:
    # Tell /health at once that a worker consumes its queues, instead of after the first beat.
    from outings.common.tasks import HEARTBEATS

    consumer = getattr(sender, "task_consumer", None)
    queues = [queue.name for queue in getattr(consumer, "queues", [])] or ["default"]
    for queue in queues:
        if queue in HEARTBEATS:
            app.send_task(
                "outings.common.tasks.record_heartbeat", args=(HEARTBEATS[queue],), queue=queue
            )
