"""Fault tests: real Celery worker processes, a real broker, a real SMTP server, real kills.

Each test starts what it needs as subprocesses against the test database (committed data, so
`transactional_db`), breaks something, and then counts at the SMTP server and in the database.
The sweep is run by the test itself (outings.common.outbox.tasks.sweep, as beat would), so that
the tests need no beat process and finish quickly.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kombu import Exchange, Queue

from config.celery import app as celery_app
from outings.common.outbox import registry, tasks
from outings.notifications.tests.smtp_sink import SmtpSink
from tests.live_gunicorn import served_database_url

ROOT = Path(__file__).resolve().parents[2]


def purge_queues() -> None:
    """Empty the outbox's queues on the broker. Nudges are fire-and-forget: every process on this
    machine that commits an effect without a worker running (a test's gunicorn, a bench, a
    developer's other checkout) leaves one queued there, and a worker started later would drain
    at once because of them. Each test starts with none waiting but its own."""
    with celery_app.connection_for_write() as connection:
        for name in registry.QUEUES:
            queue = Queue(name, Exchange(name, type="direct"), routing_key=name)
            bound = queue(connection.default_channel)
            bound.declare()
            bound.purge()


@pytest.fixture
def child_env(transactional_db: None, tmp_path: Path, sink: SmtpSink) -> dict[str, str]:
    """The environment of a worker or web process of these tests: the services profile on the
    test database, mail to the test's SMTP server, and short retry delays."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "EMAIL_URL", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DATABASE_URL=served_database_url(),
        SECRET_KEY=os.environ.get("SECRET_KEY", "fault-tests"),
        EMAIL_URL=sink.url,
        OUTINGS_VAR_DIR=str(tmp_path),
        OUTBOX_RETRY_BASE_SECONDS="0.5",
        OUTBOX_RETRY_MAX_SECONDS="2",
        DB_POOL_MAX="4",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    purge_queues()
    return env


class Worker:
    """`celery worker` on the urgent and default queues (or `command`), in its own process
    group so that a kill -9 takes the parent and its pool children at once (a machine that
    dies)."""

    def __init__(self, env: dict[str, str], log: Path, command: list[str] | None = None) -> None:
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            command
            or [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--queues",
                "urgent,default",
                "--concurrency",
                "2",
                "--hostname",
                f"fault-{uuid.uuid4().hex[:8]}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_hard(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture
def start_worker(child_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(command: list[str] | None = None) -> Worker:
        worker = Worker(child_env, tmp_path / "worker.log", command)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_until(
    condition: Callable[[], bool], *, timeout: float, sweep_every: float | None = 0.5
) -> None:
    """Poll `condition`; run the outbox sweep meanwhile, as beat would."""
    deadline = time.monotonic() + timeout
    next_sweep = time.monotonic()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        if sweep_every is not None and time.monotonic() >= next_sweep:
            tasks.sweep()
            next_sweep = time.monotonic() + sweep_every
        time.sleep(0.1)
