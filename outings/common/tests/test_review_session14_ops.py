"""Review (operations), session 14: what an operator meets starting several app servers behind a
load balancer and reading their logs. Each test proves one defect."""

import argparse
import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from honcho.environ import parse_procfile

from outings.common import runner, startup
from outings.common.tests.test_operations import _env, _free_port
from outings.common.tests.test_review_session10 import _django
from outings.common.tests.test_review_session13_ops2 import empty_database  # noqa: F401
from tests.live_gunicorn import served_database_url

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


def _waits_for_the_start_up_lock(holder: psycopg.Connection) -> bool:
    """Whether a session of the holder's database waits for the advisory lock PREPARE_LOCK
    (a bigint key below 2**32: classid 0, objid the key)."""
    row = holder.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid = 0 AND objid = %s AND objsubid = 1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [startup.PREPARE_LOCK],
    ).fetchone()
    return bool(row and row[0])


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
            # Django's start (2-5 s here), then the wait for the lock: until pg_locks shows it
            # (a fixed 6 s sleep before, for what it now sees).
            deadline = time.monotonic() + 60
            while not _waits_for_the_start_up_lock(holder):
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "prepare never asked for the lock"
                time.sleep(0.1)
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


# --- log lines: a time, a level, and the request they belong to -----------------------------
# Django's log lines read "WARNING django.request: Not Found: /x": no time (systemd's journal
# adds one, a plain file or `docker logs` does not), and nothing tied the lines of one request
# together, nor to nginx's access log line for it.

_REQUEST = """
import django, json
django.setup()
import logging
from django.test import Client
logging.getLogger("outings.probe").warning("before any request")
response = Client().get("/no-such-page/", **{extra})
print(json.dumps({{"status": response.status_code, "id": response.headers.get("X-Request-ID")}}))
"""
STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
FRESH_ID = r"[0-9a-f]{32}"


def _request(tmp_path: Path, **headers: str) -> tuple[dict[str, object], list[str]]:
    """What a fresh app server process answers to GET /no-such-page/ with `headers`, and the
    lines it logged (on stderr, as under gunicorn)."""
    result = _django(
        _env(
            SECRET_KEY="k",
            DATABASE_URL=served_database_url(),
            DEBUG="true",  # the plain static storage: no manifest needed
            OUTINGS_VAR_DIR=str(tmp_path),
        ),
        _REQUEST.format(extra=repr(headers)),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer, result.stderr.strip().splitlines()


SANE = [
    "0f8fad5bd9cb469fa16570867728950e",  # nginx's $request_id
    "0f8fad5b-d9cb-469f-a165-70867728950e",  # a UUID (Heroku's router)
    "Root=1-67891233-abcdef012345678912345678",  # AWS's load balancer (X-Amzn-Trace-Id)
]
GARBAGE = ["", "short", "x" * 201, "id with spaces", "evil]\x1b[31m", "<script>", "a\u00e9" * 8]

_REQUESTS = """
import django, json
django.setup()
import logging
from django.test import Client
for number, value in enumerate({values}):
    logging.getLogger("outings.probe").warning("request %d", number)
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID=value)
    answer = {{"status": response.status_code, "id": response.headers.get("X-Request-ID")}}
    print(json.dumps(answer))
"""


@pytest.fixture(scope="module")
def requests_with_ids(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[dict[str, object], list[str]]]:
    """For each X-Request-ID of SANE and GARBAGE, what an app server process answers to
    GET /no-such-page/ sent with it, and the lines it logged for it (on stderr, as under
    gunicorn): one process for them all, one request after another, where a fresh process for
    each cost 5-8 s here (Django's start)."""
    values = [*SANE, *GARBAGE]
    result = _django(
        _env(
            SECRET_KEY="k",
            DATABASE_URL=served_database_url(),
            DEBUG="true",  # the plain static storage: no manifest needed
            OUTINGS_VAR_DIR=str(tmp_path_factory.mktemp("var")),
        ),
        _REQUESTS.format(values=repr(values)),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answers = [json.loads(line) for line in result.stdout.strip().splitlines()[-len(values) :]]
    lines: list[list[str]] = []
    for line in result.stderr.strip().splitlines():
        if re.fullmatch(rf"{STAMP} WARNING \[-\] outings.probe: request {len(lines)}", line):
            lines.append([])  # the lines of the next request begin
        elif lines:
            lines[-1].append(line)
    assert len(lines) == len(values), result.stderr[-2000:]
    return dict(zip(values, zip(answers, lines, strict=True), strict=True))


@pytest.mark.django_db
def test_every_log_line_has_a_time_and_a_level_and_a_request_its_id(tmp_path):
    answer, lines = _request(tmp_path)

    assert answer["status"] == 404
    request_id = str(answer["id"])
    assert re.fullmatch(FRESH_ID, request_id), request_id
    assert re.fullmatch(rf"{STAMP} WARNING \[-\] outings.probe: before any request", lines[0])
    assert re.fullmatch(
        rf"{STAMP} WARNING \[{request_id}\] django.request: Not Found: /no-such-page/", lines[-1]
    ), lines
    # Once: Django's own handler (DEBUG) printed it a second time, bare.
    assert len([line for line in lines if "Not Found" in line]) == 1, lines


@pytest.mark.django_db
@pytest.mark.parametrize("sane", SANE)
def test_a_sane_request_id_from_the_load_balancer_is_kept(requests_with_ids, sane):
    answer, lines = requests_with_ids[sane]

    assert answer["id"] == sane
    assert f"WARNING [{sane}] django.request: Not Found: /no-such-page/" in lines[-1]


@pytest.mark.django_db
@pytest.mark.parametrize("garbage", GARBAGE)
def test_a_request_id_that_is_garbage_is_replaced(requests_with_ids, garbage):
    answer, lines = requests_with_ids[garbage]

    request_id = str(answer["id"])
    assert re.fullmatch(FRESH_ID, request_id), request_id
    assert f"WARNING [{request_id}] django.request: Not Found: /no-such-page/" in lines[-1]


@pytest.mark.django_db(transaction=True)
def test_make_runs_gunicorn_logs_each_request_with_its_time_level_and_id(tmp_path):
    """`make run`'s web process as the runner starts it: its access line and Django's line for
    the request carry the same id, the one the answer returns."""
    port = _free_port()
    args = argparse.Namespace(host="127.0.0.1", port=port - 1, web_workers=1)
    log = tmp_path / "web.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            runner._processes(args)["web"],
            cwd=ROOT,
            env=_env(
                SECRET_KEY="k",
                DATABASE_URL=served_database_url(),
                DEBUG="true",
                OUTINGS_VAR_DIR=str(tmp_path),
            ),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            # Sent again only when it never left: gunicorn not listening yet. Once connected,
            # the request is the worker's even if it answers late (its first request, on a busy
            # machine), so it is waited for up to the deadline; sending it again after a read
            # timeout logged both requests' lines under the one id.
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/no-such-page/",
                    headers={"X-Request-ID": "0f8fad5bd9cb469fa16570867728950e"},
                    timeout=httpx.Timeout(max(deadline - time.monotonic(), 1.0), connect=1.0),
                )
                break
            except (httpx.ConnectError, httpx.ConnectTimeout):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = log.read_text().splitlines()

    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "0f8fad5bd9cb469fa16570867728950e"
    request_lines = [line for line in lines if "0f8fad5bd9cb469fa16570867728950e" in line]
    assert len(request_lines) == 2, lines
    django_line, access_line = request_lines
    assert re.fullmatch(
        rf"{STAMP} WARNING \[0f8fad5bd9cb469fa16570867728950e\] django.request: "
        "Not Found: /no-such-page/",
        django_line,
    )
    assert re.fullmatch(
        r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] INFO \[0f8fad5bd9cb469fa16570867728950e\] "
        r"gunicorn.access: GET /no-such-page/ 404 \d+ms",
        access_line,
    )
    # gunicorn's own lines ("Booting worker") have their time and level.
    assert all(
        re.match(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[\d+\] \[[A-Z]+\]", line)
        for line in lines
        if line not in request_lines
    ), lines


def test_a_stricter_log_level_holds_for_the_database_driver_too():
    """psycopg sets its logger to WARNING when imported, so LOG_LEVEL=ERROR still printed the
    pool's retry warnings (two lines an attempt), as `make lint`'s migration check showed."""
    probe = (
        "import django, logging; django.setup(); "
        "print(logging.getLevelName(logging.getLogger('psycopg.pool').getEffectiveLevel()))"
    )
    levels = {}
    for level in ("ERROR", "DEBUG"):
        result = subprocess.run(
            [sys.executable, "-c", probe],
            env={**_env(LOG_LEVEL=level), "DJANGO_SETTINGS_MODULE": "config.settings"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        levels[level] = result.stdout.strip()

    # Never below psycopg's own WARNING: its DEBUG lines are for debugging psycopg itself.
    assert levels == {"ERROR": "ERROR", "DEBUG": "WARNING"}
