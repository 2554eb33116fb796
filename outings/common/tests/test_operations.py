"""How Outings is configured, started and deployed: DATABASE_URL's options and socket folders
reach Django, the preflight never prints a password, /health keeps internal addresses from
anonymous callers, beat starts on a fresh checkout, app servers starting at once migrate one at
a time, SIGTERM during start-up stops the embedded PostgreSQL, no demo superuser in a real
database, ALLOWED_HOSTS tolerates spaces. Several start real processes."""

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest

from outings.common import preflight

ROOT = Path(__file__).resolve().parents[3]
PY = sys.executable
SERVER_URL = os.environ.get("DATABASE_URL", "")


def _env(**overrides: str) -> dict[str, str]:
    """A clean environment for a child process (nothing inherited but PATH and HOME)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    env.update(overrides)
    return env


def _settings(env: dict[str, str], expression: str) -> Any:
    """Evaluate `expression` over django.conf.settings in a fresh process with `env`."""
    code = (
        "import json, os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        "django.setup(); from django.conf import settings;"
        f"print(json.dumps({expression}, default=str))"
    )
    result = subprocess.run(
        [PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# Ports for the servers the tests start, chosen below the ranges the kernel hands out to
# outgoing connections (Linux 32768-60999, macOS 49152-65535): a free port taken from those (bind
# to port 0) could be given to a client socket's end before the server bound it, and the runner's
# gunicorn then failed on "Address already in use" (seen while other test runs ran beside).
_SERVER_PORTS = range(20000, 32000)
_random = random.SystemRandom()


def _free_port(count: int = 1) -> int:
    """A port free now, and the `count - 1` after it too."""
    while True:
        port = _random.randrange(_SERVER_PORTS.start, _SERVER_PORTS.stop - count)
        with contextlib.ExitStack() as stack:
            try:
                for offset in range(count):
                    stack.enter_context(socket.socket()).bind(("127.0.0.1", port + offset))
            except OSError:
                continue
        return port


def _free_port_pair() -> int:
    """A free port whose next one is free too: the runner serves on --port and puts gunicorn on
    the port after it (a lone free port failed the runner's preflight now and then)."""
    return _free_port(2)


# --- 1. DATABASE_URL query options are thrown away ---------------------------------------------


def test_database_url_sslmode_reaches_django():
    """config/settings.py replaces DATABASES["default"]["OPTIONS"] wholesale, so every option
    parsed from the URL (sslmode, options, target_session_attrs, host=...) is dropped."""
    options = _settings(
        _env(
            DATABASE_URL="postgres://u:p@db.internal:5432/outings?sslmode=require",
            SECRET_KEY="k",
        ),
        "settings.DATABASES['default']['OPTIONS']",
    )
    assert options.get("sslmode") == "require", options


@pytest.mark.skipif(not SERVER_URL, reason="needs a PostgreSQL server in DATABASE_URL")
def test_database_url_sslmode_require_refuses_a_server_without_tls():
    """Live proof: the local server has ssl=off, yet Django connects with sslmode=require
    (psycopg/libpq itself, and so the runner's preflight, refuses)."""
    with psycopg.connect(SERVER_URL) as conn:
        row = conn.execute("SHOW ssl").fetchone()
    assert row is not None
    ssl = row[0]
    if ssl != "off":
        pytest.skip("the server offers TLS")
    url = SERVER_URL + ("&" if "?" in SERVER_URL else "?") + "sslmode=require"
    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        "os.environ['DB_POOL_TIMEOUT'] = '3'; django.setup(); from django.db import connection\n"
        "try:\n"
        "    connection.ensure_connection(); print('CONNECTED WITHOUT TLS')\n"
        "except Exception as e:\n"
        "    print('refused:', type(e).__name__)\n"
    )
    result = subprocess.run(
        [PY, "-c", code],
        cwd=ROOT,
        env=_env(DATABASE_URL=url, SECRET_KEY="k"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "CONNECTED WITHOUT TLS" not in result.stdout


def test_database_url_socket_path_accepted_by_preflight_works_in_django():
    """The libpq form of a socket path (percent-encoded host) passes the runner's preflight,
    but Django gets HOST='%2Fvar%2Frun%2Fpostgresql' (not decoded) and tries DNS; the form Django
    understands (postgres:////var/run/postgresql/db) is refused by the preflight."""
    url = "postgres://outings@%2Fvar%2Frun%2Fpostgresql/outings"
    host = _settings(
        _env(DATABASE_URL=url, SECRET_KEY="k"), "settings.DATABASES['default']['HOST']"
    )
    assert host == "/var/run/postgresql"


def test_the_socket_path_form_django_understands_passes_the_preflight_syntax_check(monkeypatch):
    url = "postgres:////var/run/postgresql/outings"
    monkeypatch.setattr(
        psycopg, "connect", lambda *a, **k: type("C", (), {"close": lambda s: None})()
    )
    preflight.check_database_url(url)  # raises "DATABASE_URL is malformed"


# --- 2. Preflight prints the Redis password ------------------------------------------------------


def test_preflight_redis_error_does_not_print_the_password():
    with pytest.raises(preflight.PreflightError) as caught:
        preflight.check_redis_url("redis://:s3cret-pa55@127.0.0.1:1/0")
    assert "s3cret-pa55" not in str(caught.value), str(caught.value)


# --- 5. deploy/Procfile's beat on a fresh app server --------------------------------------------


@pytest.mark.skipif(not SERVER_URL, reason="needs a PostgreSQL server in DATABASE_URL")
def test_procfile_beat_starts_on_a_fresh_checkout(tmp_path, broker_url):
    """deploy/Procfile runs `celery -A config beat`; its schedule file is VAR_DIR/celery/...,
    a folder only the `make run` runner creates. On a fresh app server beat dies at once."""
    log = tmp_path / "beat.log"
    beat = subprocess.Popen(
        [PY, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
        cwd=ROOT,
        env=_env(
            DATABASE_URL=SERVER_URL,
            SECRET_KEY="k",
            CELERY_BROKER_URL=broker_url,
            OUTINGS_VAR_DIR=str(tmp_path / "var"),
        ),
        # A file, not a pipe: beat logs its traceback one character a line and would block on
        # a full pipe (looking alive).
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    # Until beat has opened its schedule (what failed) or died: a fixed 8 s could end before a
    # busy machine's beat got that far.
    schedule = tmp_path / "var" / "celery"
    try:
        deadline = time.monotonic() + 120
        while beat.poll() is None and not list(schedule.glob("beat-schedule*")):
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.1)
        alive = beat.poll() is None
    finally:
        beat.terminate()
        beat.wait(timeout=30)
    assert alive, [line for line in log.read_text().splitlines() if "No such file" in line][-1:]


# --- 6. Two app servers starting at once ---------------------------------------------------------


@pytest.mark.skipif(not SERVER_URL, reason="needs a PostgreSQL server in DATABASE_URL")
def test_two_runners_starting_at_once_both_migrate(tmp_path):
    """Two app servers (each its own var/) starting together against one fresh database: the
    runner's preparation migrates one at a time, and both start."""
    name = f"review_ops_race_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        base, _, _ = SERVER_URL.rpartition("/")
        code = (
            "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
            "django.setup(); import argparse; from outings.common import runner;"
            "runner._prepare(argparse.Namespace(skip_import=True))"
        )
        runners = [
            subprocess.Popen(
                [PY, "-c", code],
                cwd=ROOT,
                env=_env(
                    DATABASE_URL=f"{base}/{name}",
                    SECRET_KEY="k",
                    OUTINGS_VAR_DIR=str(tmp_path / f"server{i}"),
                ),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for i in range(2)
        ]
        results = [
            (r.wait(timeout=300), (r.stdout.read() if r.stdout else "").strip().splitlines()[-1:])
            for r in runners
        ]
    finally:
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert [code for code, _ in results] == [0, 0], results


# --- 7. SIGTERM while the runner prepares leaves PostgreSQL running -----------------------------


def _pg_ctl_status(var: Path) -> int:
    env = {**os.environ, "OUTINGS_VAR_DIR": str(var)}
    return subprocess.run(
        [PY, "-m", "outings.common.embedded", "status"], cwd=ROOT, env=env, capture_output=True
    ).returncode


def test_sigterm_during_start_up_stops_the_embedded_postgres():
    """docs/architecture.md: "Ctrl-C (SIGINT) or SIGTERM stops them, then PostgreSQL if this run
    started it". SIGTERM arrives before honcho installs its handler (during migrate/collectstatic/
    the first import, minutes long) and kills the runner without its `except BaseException`
    clean-up, so the embedded PostgreSQL keeps running; the next run finds it running, so it does
    not own it and never stops it either.
    Its var folder is not under pytest's tmp_path (test_embedded's fixture says why: another
    pytest session on the machine takes access off /tmp/pytest-of-<user> again, and initdb, run
    as the server's own user, then failed now and then)."""
    with tempfile.TemporaryDirectory(prefix="outings-sigterm-test-") as folder:
        _sigterm_during_start_up(Path(folder))


def _sigterm_during_start_up(var: Path) -> None:
    env = _env(
        OUTINGS_VAR_DIR=str(var),
        OUTINGS_PG_PORT=str(_free_port()),
    )
    runner = subprocess.Popen(
        [PY, "-m", "outings.common.runner", "--port", str(_free_port_pair()), "--skip-import"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert runner.stdout is not None
        deadline = time.monotonic() + 120
        line, output = "", []
        while time.monotonic() < deadline:
            line = runner.stdout.readline()
            output.append(line)
            if "embedded PostgreSQL on" in line or not line:
                break
        assert "embedded PostgreSQL on" in line, "".join(output)
        time.sleep(1)  # migrating now
        runner.send_signal(signal.SIGTERM)
        runner.wait(timeout=60)
        time.sleep(1)
        still_running = _pg_ctl_status(var) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
        subprocess.run(
            [PY, "-m", "outings.common.embedded", "stop"],
            cwd=ROOT,
            env={**os.environ, "OUTINGS_VAR_DIR": str(var)},
            capture_output=True,
        )
    assert not still_running, "the embedded PostgreSQL outlived the runner that started it"


# --- 9. `make run` against real servers seeds a superuser ---------------------------------------


@pytest.mark.django_db
def test_the_runner_creates_no_demo_superuser_in_the_services_profile(
    settings, tmp_path, monkeypatch
):
    """runner._prepare calls ensure_demo_accounts() whatever the profile: `make run` with
    DATABASE_URL set (which README documents, with its preflight) creates `demo-staff`, a
    superuser, in the real database, prints its password to the log and re-promotes it on every
    start (and, without --skip-import, imports the demo catalogue and its generated hosts)."""
    import argparse

    from django.core import management

    from outings.accounts.models import User
    from outings.common import runner

    assert settings.EMBEDDED is False  # DATABASE_URL is set: the services profile
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(management, "call_command", lambda *a, **k: None)

    lines = runner._prepare(argparse.Namespace(skip_import=True))

    assert not User.objects.filter(is_superuser=True).exists(), lines


# --- 10. "comma-separated host names" with a space ------------------------------------------------


def test_allowed_hosts_written_with_spaces_after_commas_are_allowed():
    """django-environ's list() does not strip: ALLOWED_HOSTS="a.org, b.org" allows " b.org",
    which never matches, so every request to b.org is a 400 (same for CSRF_TRUSTED_ORIGINS)."""
    hosts = _settings(
        _env(
            DATABASE_URL="postgres://u@db.internal/outings",
            SECRET_KEY="k",
            ALLOWED_HOSTS="outings.example.org, www.outings.example.org",
        ),
        "settings.ALLOWED_HOSTS",
    )
    assert "www.outings.example.org" in hosts, hosts


# --- EMAIL_URL's ?timeout= was dropped -----------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "timeout"),
    [
        ({}, 15),
        ({"EMAIL_URL": "smtp://mail.internal:25"}, 15),
        # 40 at most with the default 20 s drain: the relay's 60 s time limit holds both
        # (session 20; 42 was taken before).
        ({"EMAIL_URL": "smtp://mail.internal:25?timeout=40"}, 40),
        ({"EMAIL_URL": "smtp://mail.internal:25?timeout=40", "EMAIL_TIMEOUT": "7"}, 7),
    ],
)
def test_the_smtp_timeout_comes_from_email_timeout_then_email_url(extra, timeout):
    """django-environ files ?timeout= under OPTIONS, which Django's mail never reads: a hung
    server held a worker for the default 15 s whatever the URL said."""
    assert _settings(_env(SECRET_KEY="k", **extra), "settings.EMAIL_TIMEOUT") == timeout
