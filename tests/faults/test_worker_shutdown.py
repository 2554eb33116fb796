"""A Celery worker asked to stop (SIGTERM: Ctrl-C under `make run`, a deploy's restart) finishes
its warm shutdown and exits by itself, within the 5 s after which honcho (`make run`) and many
process managers kill it."""

import argparse
import signal
import subprocess
import time
from pathlib import Path

import pytest

from outings.common import runner
from outings.common.models import Heartbeat
from tests.faults.conftest import Worker, wait_until

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("broker_url")]

# honcho's KILL_WAIT: `make run` sends SIGKILL to whatever still runs 5 s after SIGTERM.
KILLED_AFTER = 5.0


# Loaded by every Python process started with this folder on PYTHONPATH: it leaves a file
# behind when the interpreter runs its exit (its atexit handlers, then the garbage collection).
_MARK_INTERPRETER_EXIT = """
import atexit, os, pathlib
atexit.register(lambda: pathlib.Path(os.environ["EXIT_MARK"], str(os.getpid())).touch())
"""


@pytest.fixture
def exit_marks(child_env: dict[str, str], tmp_path: Path) -> Path:
    """A folder where each process started with `child_env` leaves a file named by its pid if
    it ran the interpreter's exit."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_MARK_INTERPRETER_EXIT)
    marks = tmp_path / "exits"
    marks.mkdir()
    child_env["PYTHONPATH"] = f"{site}:{child_env['PYTHONPATH']}"
    child_env["EXIT_MARK"] = str(marks)
    return marks


def stop(worker: Worker, heartbeat: str) -> float:
    """Wait until `worker` is up (it records `heartbeat` once ready: config.celery), send it
    SIGTERM as honcho does, check that it exits by itself with status 0, and return how long
    that took."""
    wait_until(
        lambda: Heartbeat.objects.filter(name=heartbeat).exists(), timeout=60, sweep_every=None
    )
    started = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    try:
        code = worker.process.wait(timeout=KILLED_AFTER + 10)
    except subprocess.TimeoutExpired:
        pytest.fail("the worker was still running 15 s after SIGTERM")
    assert code == 0
    return time.monotonic() - started


def test_a_worker_exits_once_its_warm_shutdown_is_over(start_worker, exit_marks, tmp_path):
    """deploy/Procfile's worker on the real broker. Its warm shutdown over, it ran the
    interpreter's exit: billiard's exit handler joining pool threads that sleep a second between
    passes, then a garbage collection over every object Django and Celery loaded, 1-4 s of CPU
    depending on the machine's load (4-6 s in all from SIGTERM, against 1.5-3.5 s now)."""
    worker = start_worker()

    took = stop(worker, "worker")

    assert not (exit_marks / str(worker.process.pid)).exists()
    assert took < KILLED_AFTER, f"the worker took {took:.1f} s to exit"
    assert "Warm shutdown" in (tmp_path / "worker.log").read_text()


@pytest.mark.parametrize(("name", "heartbeat"), [("worker", "worker"), ("slow", "slow worker")])
def test_make_runs_workers_exit_before_make_run_kills_them(
    name, heartbeat, child_env, start_worker
):
    """`make run`'s own command lines, on its filesystem broker: the synchronous loop such a
    transport needs notices the signal only between two 2 s polls, and the pool and the timer
    each finish a 1 s sleep, so its warm shutdown alone takes 4-6 s on a busy machine (it took
    7.5-9.5 s with the interpreter's exit), beyond honcho's 5 s: the runner waits longer."""
    child_env.pop("CELERY_BROKER_URL", None)
    for folder in ("celery/queue", "celery/processed", "celery/control"):
        (Path(child_env["OUTINGS_VAR_DIR"]) / folder).mkdir(parents=True, exist_ok=True)
    args = argparse.Namespace(host="127.0.0.1", port=8000, web_workers=1)

    took = stop(start_worker(runner._processes(args)[name]), heartbeat)

    assert took < min(8.0, runner.STOP_WAIT), f"the worker took {took:.1f} s to exit"
