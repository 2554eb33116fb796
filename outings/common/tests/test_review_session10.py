"""Review (operations), session 10: what a new user and an operator meet when they start and run
Outings. Each test proves one defect."""

import json
import socket
import subprocess
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from outings.common import preflight
from outings.common.outbox import registry
from outings.common.tests.test_operations import PY, ROOT, SERVER_URL, _env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "outings.common.runner", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _free_port_pair() -> int:
    """A free port whose next one is free too (the runner puts gunicorn on the next one)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


@pytest.mark.parametrize("variable", ["OUTINGS_PORT", "WEB_CONCURRENCY"])
def test_a_non_integer_port_or_worker_count_stops_the_runner_with_one_line(tmp_path, variable):
    """README: `make run` "stops with one line naming the variable when one is malformed".
    OUTINGS_PORT=80OO (a typo) or WEB_CONCURRENCY=auto is read with int() as argparse's default
    (runner._parse), before anything is checked: the user gets a ValueError traceback that
    names neither the variable nor what to do, not one line."""
    result = _run(_env(OUTINGS_VAR_DIR=str(tmp_path), **{variable: "80OO"}))

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]


@pytest.fixture
def scratch_database():
    """A fresh, empty database on the server of DATABASE_URL, dropped afterwards."""
    if not SERVER_URL:
        pytest.skip("needs a PostgreSQL server in DATABASE_URL")
    name = f"review_rops_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base, _, _ = SERVER_URL.partition("?")[0].rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EMAIL_URL", "smtp://mail.internal:submission"),
        ("EMAIL_URL", "mail.internal:587"),
        ("EMAIL_TIMEOUT", "15s"),
        ("DB_POOL_MAX", "eight"),
    ],
)
def test_a_malformed_setting_stops_the_runner_with_one_line_naming_it(
    tmp_path, scratch_database, variable, value
):
    """README: "`make run` checks every configured server before it starts and stops with one
    line naming the variable when one is malformed or unreachable". The preflight checks
    DATABASE_URL, REDIS_URL and CELERY_BROKER_URL only; a malformed EMAIL_URL (a port that is
    not a number, a missing scheme) or a non-integer EMAIL_TIMEOUT / DB_POOL_MAX passes it, and
    then config/settings.py raises inside django.setup() in runner._prepare, whose `except
    BaseException: raise` prints a 30-line ValueError / ImproperlyConfigured traceback."""
    result = _run(
        _env(
            DATABASE_URL=scratch_database,
            SECRET_KEY="k",
            OUTINGS_VAR_DIR=str(tmp_path),
            **{variable: value},
        ),
        "--port",
        str(_free_port_pair()),
        "--skip-import",
    )

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]


def _django(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh Python process with `env` (Django set up by the code itself)."""
    return subprocess.run(
        [PY, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_ipv6_address_to_listen_on_is_not_reported_as_a_port_in_use():
    """README: `OUTINGS_HOST` is "where `make run` listens" (uvicorn takes IPv6 addresses). The
    runner's port check (preflight.check_port_free, called by runner.main with OUTINGS_HOST)
    probes with an AF_INET socket only, so OUTINGS_HOST=::1 (or ::) fails every start with
    "OUTINGS_PORT: ::1:<port> is already in use (Address family for hostname not supported);
    set OUTINGS_PORT to a free port": a false statement about a free port, naming the wrong
    variable, and no port the user picks will ever pass."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
            port = probe.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")

    preflight.check_port_free("::1", port, "OUTINGS_PORT")  # raises PreflightError today


_REQUEST = """
import django, json
try:
    django.setup()
except Exception as error:
    print(json.dumps({"refused": str(error)}))
    raise SystemExit(0)
from django.test import Client
response = Client(raise_request_exception=False).get("/api/v1/categories")
print(json.dumps({"status": response.status_code}))
"""


@pytest.mark.django_db
@pytest.mark.skipif(not SERVER_URL, reason="needs a PostgreSQL server in DATABASE_URL")
def test_a_malformed_throttle_rate_is_refused_at_start_not_a_500_on_every_api_call(tmp_path):
    """API_THROTTLE_ANON is "<count>/<s|min|hour|day>" (config/settings.py, docs/api.md's
    table shows 120/min). An operator who writes 120/minute gets no error at start: the value
    is parsed on every request (outings/api/throttling.py:44, Rate.parse, KeyError 'minute'),
    so every anonymous API call answers 500 "Something went wrong on our side" while /health
    says all is well. A bad value must stop the start naming the variable, or be served."""
    base = SERVER_URL.partition("?")[0].rpartition("/")[0]
    result = _django(
        _env(
            DATABASE_URL=f"{base}/{connection.settings_dict['NAME']}",
            SECRET_KEY="k",
            OUTINGS_VAR_DIR=str(tmp_path),
            API_THROTTLE_ANON="120/minute",
        ),
        _REQUEST,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])

    if "refused" in outcome:
        assert "API_THROTTLE_ANON" in outcome["refused"]
    else:
        assert outcome["status"] == 200, result.stderr[-2000:]


def test_beat_sends_a_heartbeat_to_every_queue_that_carries_work():
    """README: /health reports "the workers of each queue"; docs/architecture.md: "`worker` for
    urgent and default". But beat sends the `worker` heartbeat to the default queue only
    (config/settings.py CELERY_BEAT_SCHEDULE, outings/common/tasks.py HEARTBEATS), and the
    worker_ready hook skips queues without a heartbeat. Mail, notifications, confirmations and
    hold expiry run on `urgent`, which docs/background-work.md gives "its own workers" in
    production: with those dead (or a worker started with `--queues default`), nothing consumes
    urgent and /health still answers 200."""
    sent_to = {
        entry.get("options", {}).get("queue", "default")
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "outings.common.tasks.record_heartbeat"
    }

    assert set(registry.QUEUES) <= sent_to


_SIGNED_IN_HEALTH = """
import django, json
django.setup()
from django.core.cache import cache
from django.test import Client
from outings.common.sessions import SessionStore

# A staff member signed in before the database went down: their session is in the cache.
store = SessionStore("s" * 32)
cache.set(store.cache_key, {"_auth_user_id": "1", "_auth_user_hash": "x",
    "_auth_user_backend": "django.contrib.auth.backends.ModelBackend"}, 300)
client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "s" * 32
response = client.get("/health")
print(json.dumps({"status": response.status_code}))
"""


def test_health_answers_503_not_500_to_a_signed_in_visitor_while_the_database_is_down(tmp_path):
    """README: "`GET /health` answers 200 ... or 503 naming what failed", and names why to
    staff only (docs/architecture.md), so staff are the ones who open it in a browser when the
    site misbehaves. With the database down, a request that carries a session cookie never
    reaches the health view: TimezoneMiddleware (outings/common/middleware.py:23) reads
    user.is_authenticated, which loads the user from the database, and the answer is a 500
    error page instead of the 503 that names the database."""
    result = _django(
        _env(
            # Nothing listens on port 1: the database is down.
            DATABASE_URL="postgres://outings@127.0.0.1:1/outings",
            DB_POOL_TIMEOUT="1",
            SECRET_KEY="k",
            DEBUG="true",  # the plain static storage: no collectstatic manifest needed
            OUTINGS_VAR_DIR=str(tmp_path),
        ),
        _SIGNED_IN_HEALTH,
    )
    assert result.returncode == 0, result.stderr[-2000:]

    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"status": 503}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["host", "guest", "staff"])
def test_a_printed_demo_account_can_sign_in_on_the_site(client, settings, tmp_path, role):
    """README: `make run` "creates three demo accounts (... their passwords are printed...)";
    the runner prints e.g. " host: demo-host / <password>  (host@outings.localhost)". The site
    signs in by email and password (allauth, ACCOUNT_LOGIN_METHODS = {"email"}) with
    ACCOUNT_EMAIL_VERIFICATION = "mandatory", but ensure_demo_accounts
    (outings/accounts/demo.py) records no verified address for them: the printed email and
    password lead to "Verify your email address" and a mail in ./var/mail, not to the host
    dashboard or the guest's bookings."""
    from outings.accounts.demo import ensure_demo_accounts

    settings.VAR_DIR = tmp_path
    ensure_demo_accounts()
    password = json.loads((tmp_path / "demo-accounts.json").read_text())[role]

    client.post("/accounts/login/", {"login": f"{role}@outings.localhost", "password": password})

    assert client.session.get("_auth_user_id") is not None


def test_an_unreachable_redis_url_stops_the_embedded_profile_before_anything_starts(tmp_path):
    """README: "`make run` checks every configured server before it starts and stops with one
    line naming the variable when one is malformed or unreachable", and its table lets each
    variable be set on its own (REDIS_URL unset means the file cache, whatever DATABASE_URL
    says). runner.main calls preflight.check_environment only when DATABASE_URL is set, so with
    the embedded PostgreSQL and a REDIS_URL that nothing answers (a typo in the port), nothing
    is checked: PostgreSQL starts, the database is migrated and five processes come up on a
    cache, session store, channel layer and throttle store that are all down.

    Here the embedded PostgreSQL's port is held by another socket, so that the run stops at
    the first thing it starts instead of bringing the site up; the REDIS_URL check, which must
    come before anything starts, is never made."""
    var = tmp_path / "var"
    (var / "postgres").mkdir(parents=True)
    (var / "postgres" / "PG_VERSION").write_text("18\n")  # no initdb: stop at the port check
    with socket.socket() as postgres_port_taken:
        postgres_port_taken.bind(("127.0.0.1", 0))
        postgres_port_taken.listen()
        result = _run(
            _env(
                OUTINGS_VAR_DIR=str(var),
                OUTINGS_PG_PORT=str(postgres_port_taken.getsockname()[1]),
                REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
            ),
            "--port",
            str(_free_port_pair()),
            "--skip-import",
        )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[0].startswith("error: REDIS_URL"), result.stderr
