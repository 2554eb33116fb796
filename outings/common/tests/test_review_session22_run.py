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

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from outings.common.tests.test_operations import ROOT
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


LET_GO = """
import json, threading, django
django.setup()
from django.db import connection
from outings.common.runner import _let_go
from outings.common.tests.test_review_session22_run import _peer_ports
from outings.web.tasks import warm_cache

def state():
    pool = [t.name for t in threading.enumerate() if t.name.startswith("pool-")]
    return {"ports": _peer_ports("self"), "pool_threads": pool}

connection.ensure_connection()
with warm_cache.app.pool.acquire(block=True) as amqp:  # as apply_async takes one, given back open
    amqp.ensure_connection(max_retries=1)
before = state()
_let_go()
print(json.dumps({"before": before, "after": state()}))
"""


@linux_only
@pytest.mark.services
def test_letting_go_closes_the_database_pool_and_the_broker_connection():
    """What the runner calls once it has queued the warming, against the services profile's
    PostgreSQL and broker, in a process of its own: it closes Celery's pool for good (nothing
    in the runner publishes after it), which would fail every later publish of this one."""
    database = int(settings.DATABASES["default"]["PORT"] or 5432)
    broker = urlsplit(settings.CELERY_BROKER_URL).port or 5672
    result = subprocess.run(
        [sys.executable, "-c", LET_GO],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert {database, broker} <= set(seen["before"]["ports"])
    assert seen["before"]["pool_threads"]
    assert database not in seen["after"]["ports"]
    assert broker not in seen["after"]["ports"]
    assert not seen["after"]["pool_threads"]
