import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

from billiard.process import active_children
from celery import Celery
from celery.signals import (
    worker_init,
    worker_process_init,
    worker_ready,
    worker_shutdown,
    worker_shutting_down,
)

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


# Set when this worker process is asked to stop (SIGTERM, SIGINT, SIGQUIT); a restart (SIGHUP)
# leaves it unset.
_stop_requested = False


# What the main process sends its pool processes when it is asked to stop: Celery tells them
# nothing until their task is over, and an outbox relay would go on claiming messages for up to
# its whole budget (OUTBOX_DRAIN_SECONDS). SIGURG, because on a transport without an event loop
# (kombu's filesystem broker: `make run`'s) billiard points every signal that ends a process by
# default (SIGUSR2 among them, which this was until session 22) at an exit of its own in each
# pool process, after worker_process_init: the stop ended every pool process at once, its task in
# flight with it (given back to the broker, to run again at the next start). SIGURG is not among
# them, and its default is to do nothing, should a process lack the handler.
STOP_CLAIMING_SIGNAL = signal.SIGURG


def _on_stop_claiming(signum: int, frame: object) -> None:
    from outings.common.outbox import relay

    relay.stop_claiming()


@worker_init.connect
@worker_process_init.connect
def _listen_for_stop(**_: object) -> None:
    # In the main process (worker_init), before the pool forks: a forked pool process has the
    # handler from its first instruction; a pool process started afresh (spawn) sets it itself.
    signal.signal(STOP_CLAIMING_SIGNAL, _on_stop_claiming)


@worker_shutting_down.connect
def _note_stop_requested(**_: object) -> None:
    """The main process was asked to stop (a warm shutdown): each pool process's relay finishes
    the message it is on and claims no other; a relay in this process (solo or threads pool)
    too. The messages left pending are the next worker's, and the relay leaves it a task."""
    global _stop_requested
    _stop_requested = True
    _on_stop_claiming(STOP_CLAIMING_SIGNAL, None)
    for child in active_children():
        if child.pid is not None:
            with contextlib.suppress(OSError):  # it exited meanwhile
                os.kill(child.pid, STOP_CLAIMING_SIGNAL)


@worker_shutdown.connect
def _exit_once_stopped(sender: object = None, **_: object) -> None:
    """Sent after the warm shutdown: every task has finished, its ack is sent and the broker
    connection is closed; nothing is left to lose. What remained was the interpreter's exit:
    billiard's exit handler joining pool threads that sleep a second between passes, then a
    garbage collection over every object Django and Celery loaded (3-4 s of CPU on a busy
    2-core machine), past the 5 s after which honcho (`make run`) and many process managers
    kill a worker. So a worker that was asked to stop flushes its logs and exits now. A restart
    (SIGHUP) takes the ordinary exit: Celery re-executes the worker from an exit handler."""
    if not _stop_requested:
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(getattr(sender, "exitcode", None) or 0)
