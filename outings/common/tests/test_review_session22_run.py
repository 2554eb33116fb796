"""Session 22: what `make run`'s runner holds while it serves.

The runner migrates, seeds and queues the cache warming through Django and Celery, then only
relays its servers' output until Ctrl-C. It kept what that work opened for the whole run: the
database pool's connections (two here: its least, one idle, and the one the start took) with
the pool's four threads, and the broker connection of the warming message (an AMQP connection
that sends no heartbeat, which RabbitMQ drops after a minute with a warning). honcho then forked
its relays from that many-threaded process (fork copies locks other threads may hold), and at
the end the pool's threads were still there when the runner stopped the embedded PostgreSQL
under its own connections.
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from outings.common.runner import _let_go
from outings.common.tests.test_review_session21_run import (
    _ctrl_c,
    _runner_environment,
    _serving,
    _start,
    _stop,
    _wait,
    linux_only,
    scratch_var,  # noqa: F401 - the fixture
)
from outings.web.tasks import warm_cache


def _peer_ports(pid: int | str) -> list[int]:
    """The remote ports of `pid`'s TCP connections (Linux: its descriptors' socket inodes
    looked up in /proc/net/tcp and tcp6; listening sockets have remote port 0)."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.append(int(fields[2].rsplit(":", 1)[1], 16))
    return [port for port in ports if port]


def _threads(pid: int | str) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


@linux_only
def test_the_runner_serves_holding_no_connection_and_no_thread(scratch_var):  # noqa: F811
    environment, port = _runner_environment(scratch_var)
    runner, output = _start(environment, port)
    try:
        pg_port = int(environment["OUTINGS_PG_PORT"])
        assert pg_port not in _peer_ports(runner.pid), "".join(output)[-2000:]
        assert _threads(runner.pid) == 1
        _ctrl_c(runner, output)
    finally:
        _stop(runner)
    assert runner.returncode == 130, "".join(output)[-4000:]


@linux_only
def test_sigusr1_prints_where_the_runner_waits_and_it_goes_on(scratch_var):  # noqa: F811
    """A runner that does not stop (session 21's last CI: after "embedded PostgreSQL stopped")
    could only be killed, saying nothing of where it waited."""
    environment, port = _runner_environment(scratch_var)
    runner, output = _start(environment, port)
    try:
        os.kill(runner.pid, signal.SIGUSR1)
        _wait(
            lambda: any("outings/common/runner.py" in line for line in output),
            30,
            "no stack printed",
            output,
        )
        assert any(line.startswith("Current thread") for line in output), output[-20:]
        assert _serving(port)
        _ctrl_c(runner, output)
    finally:
        _stop(runner)
    assert runner.returncode == 130, "".join(output)[-4000:]


@linux_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_letting_go_closes_the_database_pool_and_the_broker_connection():
    """What the runner calls once it has queued the warming, in this process against the
    services profile's PostgreSQL and broker (a connection taken from Celery's pool as
    apply_async takes one, and given back to it open)."""
    database = int(settings.DATABASES["default"]["PORT"] or 5432)
    broker = urlsplit(settings.CELERY_BROKER_URL).port or 5672
    connection.ensure_connection()
    pool: Any = warm_cache.app.pool  # kombu's ConnectionPool (celery-types: a ProducerPool)
    with pool.acquire(block=True) as amqp:
        amqp.ensure_connection(max_retries=1)
    assert {database, broker} <= set(_peer_ports("self"))
    assert _pool_threads()

    _let_go()

    assert database not in _peer_ports("self")
    assert broker not in _peer_ports("self")
    assert not _pool_threads()


def _pool_threads() -> list[str]:
    """psycopg_pool's scheduler and workers (named pool-N-scheduler, pool-N-worker-M)."""
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("pool-")]
