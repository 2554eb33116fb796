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


def stop(worker: Worker, heartbeat: str) -> float:
    """Wait until `worker` is up (it records `heartbeat` once ready: config.celery), send it
    SIGTERM as honcho does, and return how long it took to exit by itself with status 0."""
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


def test_a_worker_exits_soon_after_sigterm(start_worker, tmp_path):
    """deploy/Procfile's worker on the real broker: its warm shutdown takes about 1.5 s; the
    interpreter's exit after it took 3 s more."""
    took = stop(start_worker(), "worker")

    assert took < 3.0, f"the worker took {took:.1f} s to exit"
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
