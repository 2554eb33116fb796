"""Review (operations), session 14: what an operator meets starting several app servers behind a
load balancer and reading their logs. Each test proves one defect."""

import shlex
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from honcho.environ import parse_procfile

from outings.common import startup
from outings.common.tests.test_operations import _env
from outings.common.tests.test_review_session13_ops2 import empty_database  # noqa: F401

ROOT = Path(__file__).resolve().parents[3]


# --- migrations at start, one app server at a time ------------------------------------------
# docs/architecture.md: "migrations are always applied at start, never a manual step", under an
# advisory lock so that app servers started at once migrate one at a time. That was true of
# `make run` only: deploy/Procfile started gunicorn, uvicorn and the workers straight away and
# asked the operator to run `migrate` and `collectstatic` by hand first, on every server.


def _procfile() -> dict[str, str]:
    return dict(parse_procfile((ROOT / "deploy" / "Procfile").read_text()).processes)


@pytest.mark.parametrize("name", ["web", "ws", "worker", "slow"])
def test_every_procfile_process_prepares_the_server_before_it_starts(name):
    """The server starts only once the schema is current and the static files collected."""
    first, _, server = _procfile()[name].partition(" && exec ")

    assert shlex.split(first) == ["python", "manage.py", "prepare"]
    assert server.split()[0] in {"gunicorn", "uvicorn", "celery"}


def _prepare(database_url: str, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "prepare"],
        cwd=ROOT,
        env=_env(
            SECRET_KEY="k",
            DATABASE_URL=database_url,
            OUTINGS_VAR_DIR=str(tmp_path),
            STATIC_ROOT=str(tmp_path / "static"),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _has_migrations_table(database_url: str) -> bool:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT to_regclass('django_migrations') IS NOT NULL").fetchone()
        return bool(row and row[0])


def test_prepare_waits_for_the_server_that_holds_the_start_up_lock(
    empty_database,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    """Another app server preparing holds the lock: this one migrates nothing until it is
    released, then finds what is left to do and does it."""
    with psycopg.connect(empty_database) as holder:
        holder.autocommit = True
        holder.execute("SELECT pg_advisory_lock(%s)", [startup.PREPARE_LOCK])
        process = _prepare(empty_database, tmp_path)
        try:
            time.sleep(6)  # Django's start (about 2 s here), then the wait for the lock
            assert process.poll() is None, process.communicate()
            assert not _has_migrations_table(empty_database)
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", [startup.PREPARE_LOCK])
        stdout, stderr = process.communicate(timeout=300)

    assert process.returncode == 0, stderr[-2000:]
    assert stdout.strip().splitlines() == ["outings | database migrated, static files collected"]
    assert _has_migrations_table(empty_database)
    assert (tmp_path / "static" / "staticfiles.json").is_file()


def test_prepare_with_the_database_down_says_so_in_one_line(tmp_path):
    process = _prepare("postgres://outings@127.0.0.1:1/outings", tmp_path)
    _, stderr = process.communicate(timeout=120)

    assert process.returncode == 1
    assert stderr.strip().splitlines() == [
        "CommandError: cannot reach the database (DATABASE_URL): connection to server at "
        '"127.0.0.1", port 1 failed: Connection refused'
    ]
