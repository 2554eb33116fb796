"""Review (operations), session 13, second pass: what an operator running several app servers,
a load balancer and the management commands meets. Each test proves one defect."""

import argparse
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import load_command_class
from django.db import connection
from gunicorn.config import Config

from outings.common import commands, runner
from outings.common.tests.connections import other_connection
from outings.common.tests.test_operations import _env
from outings.common.tests.test_review_session10 import _django
from tests.live_gunicorn import live_gunicorn, served_database_url

ROOT = Path(__file__).resolve().parents[3]


# --- gunicorn's control socket ----------------------------------------------------------------
# gunicorn 25.1+ opens a control socket (for `gunicornc`) at one path per user:
# $XDG_RUNTIME_DIR/gunicorn.ctl, else ~/.gunicorn/gunicorn.ctl. A second server on the machine
# (two app servers, the bench's or a test's next to `make run`) unlinks the first one's socket
# and takes the path; the first to stop unlinks the other's, and `gunicornc` then drives
# whichever server holds the path, not the one its operator meant.


def _gunicorn_settings(argv: list[str]) -> Config:
    """The settings gunicorn itself reads from the command line `argv` (`gunicorn ARGS...`)."""
    config = Config()
    arguments = config.parser().parse_args(argv[argv.index("gunicorn") + 1 :])
    for name, value in vars(arguments).items():
        if value is not None and name in config.settings:
            config.set(name.lower(), value)
    return config


def _procfile_command(name: str) -> list[str]:
    for line in (ROOT / "deploy" / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return shlex.split(line.split(":", 1)[1].replace("${WEB_CONCURRENCY:-4}", "4"))
    raise AssertionError(f"no {name} in deploy/Procfile")


def test_make_runs_gunicorn_opens_no_control_socket_at_the_shared_path():
    args = argparse.Namespace(host="127.0.0.1", port=8000, web_workers=1)

    assert _gunicorn_settings(runner._processes(args)["web"]).control_socket_disable


def test_the_procfiles_gunicorn_opens_no_control_socket_at_the_shared_path():
    assert _gunicorn_settings(_procfile_command("web")).control_socket_disable


@pytest.mark.django_db(transaction=True)
def test_a_test_or_bench_gunicorn_leaves_the_users_control_socket_alone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()

    with live_gunicorn(log=tmp_path / "web.log", workers=1, env={"HOME": str(home)}) as server:
        assert server.pid

        assert not (home / ".gunicorn").exists()


# --- a load balancer's check ------------------------------------------------------------------
# /health is the whole deployment's state: it answers 503 when a Celery worker on another
# machine stops, or Redis, whose loss no page fails on. A load balancer pointed at it took every
# app server out of rotation at once. /health/ready says whether this app server can serve.

LOAD_BALANCER = {"HTTP_HOST": "10.0.0.11:8001"}  # asks each server by its address


@pytest.mark.django_db
def test_ready_is_200_while_workers_and_the_cache_are_down(
    client, settings, django_assert_max_num_queries
):
    settings.CACHES = {
        name: {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:1/0"}
        for name, backend in [
            ("default", "outings.common.cache.RedisCache"),
            ("pages", "outings.common.cache.TolerantRedisCache"),
        ]
    }
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:1//"
    assert client.get("/health").status_code == 503  # no worker ever reported, cache down

    with django_assert_max_num_queries(1):  # SELECT 1
        response = client.get("/health/ready", **LOAD_BALANCER)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "Set-Cookie" not in response


_PROBE = """
import django, json
django.setup()
from django.test import Client
response = Client(raise_request_exception=False).get("{path}", HTTP_HOST="10.0.0.11:8001")
print(json.dumps({{"status": response.status_code, "body": response.json()}}))
"""


def _probe(path: str, **environment: str) -> dict[str, object]:
    """What `path` answers a load balancer in a fresh app server process with `environment`."""
    result = _django(_env(SECRET_KEY="k", **environment), _PROBE.format(path=path))
    assert result.returncode == 0, result.stderr[-2000:]
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_ready_is_503_when_this_server_cannot_reach_its_database(tmp_path):
    answer = _probe(
        "/health/ready",
        DATABASE_URL="postgres://outings@127.0.0.1:1/outings",  # nothing listens on port 1
        DB_POOL_TIMEOUT="1",
        DEBUG="true",  # the plain static storage: no manifest needed
        OUTINGS_VAR_DIR=str(tmp_path),
    )

    assert answer == {
        "status": 503,
        "body": {
            "status": "unavailable",
            "problems": {"database": "unreachable (the server log says why)"},
        },
    }


def test_ready_is_503_while_the_static_files_are_not_collected(db, tmp_path):
    """With DEBUG off every page names its CSS and scripts through collectstatic's manifest:
    without it, each page is a 500. Such a server must not take traffic."""
    answer = _probe(
        "/health/ready",
        DATABASE_URL=served_database_url(),
        DEBUG="false",
        OUTINGS_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "staticfiles"),
    )

    assert answer["status"] == 503
    assert answer["body"] == {
        "status": "unavailable",
        "problems": {"static_files": "no manifest: run manage.py collectstatic"},
    }


def test_live_answers_without_the_database(tmp_path):
    """For a process supervisor (Kubernetes' liveness probe): restarting an app server cures
    nothing when the database is down, so liveness does not depend on it."""
    answer = _probe(
        "/health/live",
        DATABASE_URL="postgres://outings@127.0.0.1:1/outings",
        DB_POOL_TIMEOUT="1",
        DEBUG="true",
        OUTINGS_VAR_DIR=str(tmp_path),
    )

    assert answer == {"status": 200, "body": {"status": "ok"}}


# --- management commands on a database that is not migrated -----------------------------------
# Each of the project's commands, run before `manage.py migrate` (a new server, a deploy whose
# migrate step failed), ended in Django's traceback over `relation "search_lexeme" does not
# exist`; an operator reads one line that says what to do, and a non-zero status.

COMMANDS = [
    ["refresh_search"],
    ["warm_cache"],
    ["load_exchange_rates"],
    ["import_listings", "--limit", "1", "--quiet"],
    ["createsuperuser", "--noinput", "--username", "ops", "--email", "ops@example.org"],
]


def _project_commands() -> set[str]:
    return {
        path.stem
        for path in ROOT.glob("outings/*/management/commands/*.py")
        if not path.stem.startswith("_")
    }


# `prepare` is what migrates (session 14: test_review_session14_ops.py covers it).
MIGRATING = {"prepare"}


def test_every_project_command_is_covered_here():
    assert {command[0] for command in COMMANDS} | MIGRATING == _project_commands()


def _manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=_env(SECRET_KEY="k", **environment),
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextmanager
def _new_database(suffix: str) -> Iterator[str]:
    """A DATABASE_URL naming a new database on the test server, with no tables; dropped after.
    Dropping a database makes PostgreSQL write a checkpoint of the whole server and wait for
    it: 1.5-3 s here on a server other databases keep busy."""
    name = f"{connection.settings_dict['NAME']}_{suffix}"
    with other_connection() as admin:
        admin.autocommit = True
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield served_database_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with other_connection() as admin:
            admin.autocommit = True
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_database(db) -> Iterator[str]:
    """A DATABASE_URL naming a database that exists on the test server, with no tables."""
    with _new_database("empty") as url:
        yield url


@pytest.fixture(scope="module")
def database_without_tables(django_db_setup) -> Iterator[str]:
    """empty_database, one for the module's commands that stop before they write anything:
    each test's own assertion, the command's "no tables yet", shows that it still had none."""
    with _new_database("without_tables") as url:
        yield url


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_a_command_on_a_database_without_tables_says_to_migrate(
    command, database_without_tables, tmp_path
):
    result = _manage(*command, DATABASE_URL=database_without_tables, OUTINGS_VAR_DIR=str(tmp_path))

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: the database has no tables yet: run manage.py migrate"
    ]


def test_every_project_command_checks_the_database_first():
    """One place (outings.common.commands.Command): a new command inherits the check."""
    for name in _project_commands():
        command = load_command_class(_app_of(name), name)

        assert isinstance(command, commands.Command), name


def _app_of(name: str) -> str:
    (path,) = ROOT.glob(f"outings/*/management/commands/{name}.py")
    return f"outings.{path.parents[2].name}"


def test_a_command_on_a_database_migrations_behind_says_to_migrate(empty_database, tmp_path):
    migrated = _manage("migrate", "contenttypes", "--verbosity", "0", DATABASE_URL=empty_database)
    assert migrated.returncode == 0, migrated.stderr[-2000:]

    result = _manage("refresh_search", DATABASE_URL=empty_database, OUTINGS_VAR_DIR=str(tmp_path))

    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert re.fullmatch(
        r"CommandError: \d+ migration\(s\) not applied yet, from \w+\.\w+: run manage.py migrate",
        line,
    ), line


def test_a_command_with_the_database_down_says_so_in_one_line(tmp_path):
    """One line naming why (session 14): the psycopg pool, opened first, retried in the
    background and logged three lines per attempt before the command's own line, which could
    only name the pool's time-out ("couldn't get a connection after 1.00 sec")."""
    result = _manage(
        "refresh_search",
        DATABASE_URL="postgres://outings@127.0.0.1:1/outings",  # nothing listens on port 1
        OUTINGS_VAR_DIR=str(tmp_path),
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: cannot reach the database (DATABASE_URL): connection to server at "
        '"127.0.0.1", port 1 failed: Connection refused'
    ]
    assert result.stdout == ""
