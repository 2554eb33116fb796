"""A real gunicorn server (several worker processes) on the test database, for tests that must
see what happens when requests really run at the same time in different processes: the
concurrency tests fire parallel HTTP requests at it and then assert the database state.

The server reads and writes the test database that pytest-django created, so a test using it
needs committed data (`transactional_db`, or `django_db(transaction=True)`). It runs the
production settings (config.settings) with DEBUG off, in its own session (process group), and is
always stopped, with every worker, when the block exits.

    with live_gunicorn(log=tmp_path / "web.log") as server:
        httpx.get(server.url("/api/v1/me"), headers=...)
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# Answered by any worker as soon as it has loaded the app: unauthenticated, so a quick 401.
READY_PATH = "/api/v1/me"
WARM_UP_PER_WORKER = 3
# Rates no test reaches: these tests are about seats and keys, not about throttling.
NO_THROTTLE = "100000000/min"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def served_database_url() -> str:
    """The test database pytest-django created, as a DATABASE_URL for the server."""
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or HOST
    port = params.get("PORT") or 5432
    return f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}"


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    pid: int
    log: Path

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def _stop(process: "subprocess.Popen[bytes]") -> None:
    """SIGINT is gunicorn's quick stop (every answer is in by now); SIGKILL whatever is left of
    the group after 10 s."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def live_gunicorn(
    *,
    log: Path,
    workers: int = 4,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
) -> Iterator[LiveServer]:
    """gunicorn (config.wsgi, `workers` sync workers, as deploy/Procfile runs it) on a free port,
    on the test database, with `env` added to its environment. The app is loaded before the
    workers fork (--preload), so once one worker answers, all of them can."""
    server_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "PYTEST_CURRENT_TEST", "DJANGO_SETTINGS_MODULE"}
    }
    server_env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=served_database_url(),
        SECRET_KEY=os.environ.get("SECRET_KEY", "live-gunicorn-tests"),
        OUTINGS_VAR_DIR=str(log.parent),
        # A sync worker serves one request at a time: one connection is all it uses.
        DB_POOL_MIN="1",
        DB_POOL_MAX="2",
        DEBUG="false",
        API_THROTTLE_ANON=NO_THROTTLE,
        API_THROTTLE_USER=NO_THROTTLE,
        # Throttle counters and the like are keyed by user id: keep away from other runs'.
        CACHE_KEY_PREFIX=f"live-{uuid.uuid4().hex}",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    server_env.update(env or {})
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--preload",
        "--backlog",
        "2048",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=server_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        base_url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{_tail(log)}")
            try:
                httpx.get(base_url + READY_PATH, timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"gunicorn did not answer within {startup_timeout:.0f} s:\n{_tail(log)}"
                    ) from None
                time.sleep(0.1)
        # Each worker imports the URLconf and the API on its first request: get that out of the
        # way, so that a test's rush meets warm workers.
        with httpx.Client(timeout=30) as client:
            for _ in range(WARM_UP_PER_WORKER * workers):
                client.get(base_url + READY_PATH)
        yield LiveServer(base_url=base_url, pid=process.pid, log=log)
    finally:
        _stop(process)
