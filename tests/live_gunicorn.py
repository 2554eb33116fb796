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

import copy
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from django.db import connection

from bench.server import gunicorn

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# Answered 200 by any worker as soon as it has loaded the app (public, no data needed).
READY_PATH = "/api/v1/categories"
WARM_UP_PER_WORKER = 3
# Rates no test reaches: these tests are about seats and keys, not about throttling.
NO_THROTTLE = "100000000/min"


def served_database_url() -> str:
    """The test database pytest-django created, as a DATABASE_URL for the server."""
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or HOST
    port = params.get("PORT") or 5432
    return f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}"


def private_channel_layers(layers: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A prefix of our own and a copy of CHANNEL_LAYERS that uses it (other test runs on the same
    Redis or PostgreSQL may flush theirs), with the PostgreSQL layer on the test database, where
    another process publishes: for a test whose events cross processes."""
    prefix = f"test-{uuid.uuid4().hex}"
    private: dict[str, Any] = copy.deepcopy(dict(layers))
    config = private["default"]["CONFIG"]
    config["prefix"] = f"{prefix}:asgi"
    if private["default"]["BACKEND"].endswith("PostgresChannelLayer"):
        config["NAME"] = connection.settings_dict["NAME"]
    return prefix, private


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    pid: int
    log: Path

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


@contextmanager
def live_gunicorn(
    *,
    log: Path,
    workers: int = 4,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
) -> Iterator[LiveServer]:
    """gunicorn (config.wsgi, `workers` sync workers, as deploy/Procfile runs it; started and
    stopped by the bench's bench.server.gunicorn) on a free port, on the test database, with
    `env` added to its environment. The app is loaded before the workers fork (--preload), so
    once one worker answers, all of them can."""
    server_env = {
        "DATABASE_URL": served_database_url(),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "live-gunicorn-tests"),
        "OUTINGS_VAR_DIR": str(log.parent),
        # A sync worker serves one request at a time: one connection is all it uses.
        "DB_POOL_MIN": "1",
        "DB_POOL_MAX": "2",
        "DEBUG": "false",
        "API_THROTTLE_ANON": NO_THROTTLE,
        "API_THROTTLE_USER": NO_THROTTLE,
        # Throttle counters and the like are keyed by user id: keep away from other runs'.
        "CACHE_KEY_PREFIX": f"live-{uuid.uuid4().hex}",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    with gunicorn(
        settings_module="config.settings",
        workers=workers,
        ready_path=READY_PATH,
        env=server_env,
        extra_args=("--preload", "--backlog", "2048", "--timeout", "60"),
        startup_timeout=startup_timeout,
        log=log,
    ) as server:
        base_url = f"http://{server.host}:{server.port}"
        # Each worker imports the URLconf and the API on its first request: get that out of the
        # way, so that a test's rush meets warm workers.
        with httpx.Client(timeout=30) as client:
            for _ in range(WARM_UP_PER_WORKER * workers):
                client.get(base_url + READY_PATH)
        yield LiveServer(base_url=base_url, pid=server.pid, log=log)
