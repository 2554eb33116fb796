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


# --- static files behind several app servers ------------------------------------------------
# deploy/nginx.conf served /static/ from its own disk (/srv/outings/var/staticfiles), where no
# step of the documented deploy put anything: collectstatic ran on each app server, and the
# load balancer is another machine. Every stylesheet and script was a 404. The app serves its
# fingerprinted files itself (WhiteNoise, from the STATIC_ROOT that `prepare` fills), so nginx
# asks it, keeps a copy and tries the next server for a file one lacks (a rolling deploy).


def _nginx_location(path: str) -> list[list[str]]:
    """The directives of deploy/nginx.conf's `location <path> { ... }`, each split in words."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    start = lines.index(f"location {path} {{")
    end = lines.index("}", start)
    return [line.rstrip(";").split() for line in lines[start + 1 : end] if line]


def test_nginx_asks_the_app_servers_for_static_files():
    directives = _nginx_location("/static/")
    names = [directive[0] for directive in directives]

    assert ["proxy_pass", "http://outings_wsgi"] in directives
    assert "alias" not in names
    assert "root" not in names
    assert ["proxy_next_upstream", "error", "timeout", "http_404"] in directives
    assert ["proxy_cache", "outings_static"] in directives
    assert ["proxy_set_header", "X-Forwarded-Proto", "$scheme"] in directives


@pytest.mark.django_db
def test_an_app_server_serves_its_fingerprinted_static_files(client, settings, tmp_path):
    """What nginx now relies on: with DEBUG off, a file collectstatic wrote is served by the app
    under its fingerprinted name, cacheable for ever, with HSTS like every other answer."""
    from django.core.management import call_command
    from django.templatetags.static import static

    settings.DEBUG = False
    settings.STATIC_ROOT = str(tmp_path / "static")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.SECURE_HSTS_SECONDS = 31536000
    call_command("collectstatic", interactive=False, verbosity=0)
    url = static("css/site.css")
    assert url != "/static/css/site.css"  # fingerprinted

    response = client.get(url, secure=True)

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert b"".join(response.streaming_content) == (ROOT / "static/css/site.css").read_bytes()
