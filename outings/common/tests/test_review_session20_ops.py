"""Review (background work and operations), session 20. Each test proves one defect."""

import shlex
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from outings.common import embedded, preflight, runner

# The embedded server of a test, in a folder of its own, stopped afterwards.
from outings.common.tests.test_embedded import scratch_server  # noqa: F401
from outings.common.tests.test_operations import ROOT, _env, _settings
from outings.common.tests.test_review_session10 import _free_port_pair, _run


@pytest.mark.parametrize(
    ("variable", "value", "bound"),
    [
        ("OUTINGS_PORT", "0", "of at least 1"),
        ("OUTINGS_PORT", "-5", "of at least 1"),
        # make run serves gunicorn on the next port: 65535 left it 65536.
        ("OUTINGS_PORT", "65535", "of at most 65534"),
        ("OUTINGS_PORT", "70000", "of at most 65534"),
        ("WEB_CONCURRENCY", "0", "of at least 1"),
        ("WEB_CONCURRENCY", "-2", "of at least 1"),
    ],
)
def test_it_refuses_a_port_or_worker_count_make_run_cannot_use(monkeypatch, variable, value, bound):
    """README: `make run` "stops with one line naming the variable when one is malformed".
    The runner read OUTINGS_PORT and WEB_CONCURRENCY with int() and no bounds: OUTINGS_PORT=70000
    passed the port check (getaddrinfo wraps it) and uvicorn failed after the migrations,
    65535 put gunicorn on 65536, -5 was blamed on OUTINGS_HOST, and WEB_CONCURRENCY=0 started a
    gunicorn with no worker, which accepts every connection and answers none: every page hung."""
    monkeypatch.setenv(variable, value)

    with pytest.raises(preflight.PreflightError) as raised:
        runner._parse([])

    assert str(raised.value) == f"{variable} must be a whole number {bound}, not {value}"


def test_the_port_given_on_the_command_line_is_checked_too():
    with pytest.raises(preflight.PreflightError, match=r"^--port must be a whole number"):
        runner._parse(["--port", "65535"])


def test_the_highest_usable_port_and_one_web_worker_are_accepted(monkeypatch):
    monkeypatch.setenv("OUTINGS_PORT", "65534")
    monkeypatch.setenv("WEB_CONCURRENCY", "1")

    args = runner._parse([])

    assert (args.port, args.web_workers) == (65534, 1)


def test_deploy_procfiles_start_refuses_a_web_concurrency_of_zero(tmp_path):
    """deploy/Procfile runs `manage.py prepare` before gunicorn --workers ${WEB_CONCURRENCY}:
    with WEB_CONCURRENCY=0 (or -1) the app server came up with no worker and hung every request
    the load balancer sent it. Settings read it like every other number, so that prepare (and
    any Django start) stops naming it."""
    env = _env(OUTINGS_VAR_DIR=str(tmp_path), WEB_CONCURRENCY="0")

    with pytest.raises(AssertionError, match="WEB_CONCURRENCY must be a whole number of at least"):
        _settings(env, "settings.DEBUG")


def test_every_periodic_task_expires_before_it_could_pile_up() -> None:
    """docs/background-work.md: a periodic run that could not run in time is superseded by the
    next one. Four entries of beat's schedule had no expiry: the default queue's heartbeat
    (every 10 s), the outbox purge, the idempotency sweep and the live-message cleanup. With
    the default queue's workers down for a day, beat left 8,640 heartbeats in the broker (a
    file each in the embedded profile's filesystem broker), and a worker that came back
    worked through all of them before the relay tasks queued behind them: the default queue's
    outbox kinds (reminders, retimed dates) waited for stale heartbeats. Each entry now
    expires by its next-but-one run."""
    lasting = {
        name: (entry["schedule"], entry.get("options", {}).get("expires"))
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    }

    assert {
        name: (schedule, expires)
        for name, (schedule, expires) in lasting.items()
        if expires is None or not 0 < expires <= 2 * schedule
    } == {}


@pytest.mark.parametrize("sender", ["Outings", "hello@", "Outings <hello@>", "a@b@example.org"])
def test_a_sender_that_is_no_address_stops_the_start_naming_it(tmp_path, sender):
    """README: DEFAULT_FROM_EMAIL is "the sender of every mail". One without an address
    (`Outings`) was sent as `MAIL FROM:<Outings>`, which servers refuse as a session error: every
    mail was retried for seven hours, then parked; one Django cannot parse (`hello@`) parked
    every mail at its first attempt with a ValueError. Nothing said so at the start."""
    env = _env(OUTINGS_VAR_DIR=str(tmp_path), DEFAULT_FROM_EMAIL=sender)

    with pytest.raises(AssertionError, match="DEFAULT_FROM_EMAIL must be"):
        _settings(env, "settings.DEFAULT_FROM_EMAIL")


@pytest.mark.parametrize(
    "sender", ["Outings <hello@outings.localhost>", "hello@example.org", "Öffnungszeit <a@b.de>"]
)
def test_a_sender_with_an_address_is_taken(tmp_path, sender):
    env = _env(OUTINGS_VAR_DIR=str(tmp_path), DEFAULT_FROM_EMAIL=sender)

    assert _settings(env, "settings.DEFAULT_FROM_EMAIL") == sender


def test_a_var_dir_that_cannot_be_made_stops_the_runner_with_one_line(tmp_path):
    """README: `make run` stops "with one line naming the variable" it cannot use. An
    OUTINGS_VAR_DIR that cannot be created (under a file, or a folder the user may not write
    to: /srv/outings/var) failed the run lock's mkdir with a 20-line NotADirectoryError or
    PermissionError traceback that named neither the variable nor what to do."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")

    result = _run(_env(OUTINGS_VAR_DIR=str(blocker / "var")), "--port", str(_free_port_pair()))

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: OUTINGS_VAR_DIR: cannot use {blocker / 'var'}: ")


@pytest.mark.parametrize("value", ["5432x", "0", "70000"])
def test_the_embedded_servers_start_refuses_a_port_it_cannot_use(monkeypatch, capsys, value):
    """`make test` and `make bench` start the embedded PostgreSQL through
    `python -m outings.common.embedded start` (scripts/with-database.sh), which does not read
    the settings that check OUTINGS_PG_PORT: a port that is not a number made a whole cluster
    with initdb and then ended in a ValueError traceback; one out of range reached pg_ctl,
    whose refusal came back as the tail of the server's log. It now says what is wrong with
    the variable, in one line, before it makes anything."""
    with tempfile.TemporaryDirectory(prefix="outings-embedded-test-") as folder:
        monkeypatch.setenv("OUTINGS_VAR_DIR", folder)
        monkeypatch.setenv("OUTINGS_PG_PORT", value)

        status = embedded.main(["embedded", "start"])

        assert status == 1
        assert capsys.readouterr().err == (
            f"error: OUTINGS_PG_PORT must be a whole number from 1 to 65535, not {value!r}\n"
        )
        assert not (Path(folder) / "postgres" / "PG_VERSION").exists()


@pytest.mark.parametrize(
    "url", ["smtp://", "smtp://:25", "smtp+tls://user:pass@:587", "smtp://mail:0"]
)
def test_an_email_url_naming_no_server_stops_the_start(tmp_path, url):
    """README: a malformed EMAIL_URL stops the start naming the variable. One with no host
    (`smtp://`, `smtp://:25`) was taken, and every mail then failed with "please run connect()
    first" (smtplib was given no host to connect to), was retried for seven hours and parked;
    port 0 failed every connection the same way. Nothing said so at the start."""
    env = _env(OUTINGS_VAR_DIR=str(tmp_path), EMAIL_URL=url)

    with pytest.raises(AssertionError, match="EMAIL_URL is malformed: "):
        _settings(env, "settings.EMAIL_HOST")


def test_an_email_url_with_a_server_is_taken(tmp_path):
    env = _env(OUTINGS_VAR_DIR=str(tmp_path), EMAIL_URL="smtp+tls://u:p@mail.internal:587")

    assert _settings(env, "[settings.EMAIL_HOST, settings.EMAIL_PORT]") == ["mail.internal", 587]


def _procfile_worker_names() -> dict[str, str]:
    """The Celery node name each worker line of deploy/Procfile asks for (celery's default,
    celery@%h, when it names none)."""
    names = {}
    for line in (ROOT / "deploy" / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if " celery " in f" {command} " and " worker " in f" {command} ":
            words = shlex.split(command.split("exec", 1)[-1])
            for flag in ("--hostname", "-n"):
                if flag in words:
                    names[name] = words[words.index(flag) + 1]
                    break
            else:
                names[name] = "celery@%h"
    return names


def test_the_procfiles_two_workers_on_one_server_have_names_of_their_own():
    """deploy/Procfile starts two Celery workers on each app server (urgent+default, and slow)
    without --hostname, so both were celery@<host>: Celery warns of a duplicate node name at
    every start, the two share one control queue (a `celery inspect` or a revoke reaches one of
    them, whichever takes it) and monitoring shows one worker where two run. `make run` names
    them main@%h and slow@%h; the Procfile now does the same."""
    names = _procfile_worker_names()

    assert names == {"worker": "main@%h", "slow": "slow@%h"}


@pytest.mark.parametrize(
    ("extra", "timeout", "drain"),
    [
        ({"EMAIL_TIMEOUT": "60"}, 60, 20),
        ({"EMAIL_TIMEOUT": "30", "OUTBOX_DRAIN_SECONDS": "45"}, 30, 45),
        ({"EMAIL_URL": "smtp://mail.internal:25?timeout=50"}, 50, 20),
    ],
)
def test_an_smtp_timeout_the_relays_time_limit_cannot_hold_stops_the_start(
    tmp_path, extra, timeout, drain
):
    """docs/background-work.md: OUTBOX_DRAIN_SECONDS is at most 45 because "a relay's soft
    time limit is 60 s, and the last message it starts needs room (an SMTP timeout)", the
    default 15 s. EMAIL_TIMEOUT itself had no such bound: at 60 (or 30 with a 45 s drain) the
    soft time limit fell inside the last mail's wait for the server's reply to its final ".":
    the seal was undone and the mail, which the server may well have taken, was sent again
    (and a hung server's mail was stopped by the limit, never by its own timeout)."""
    env = _env(OUTINGS_VAR_DIR=str(tmp_path), **extra)

    with pytest.raises(AssertionError) as refused:
        _settings(env, "settings.EMAIL_TIMEOUT")

    assert (
        f"EMAIL_TIMEOUT ({timeout} s, or EMAIL_URL's ?timeout=) and OUTBOX_DRAIN_SECONDS "
        f"({drain:g} s) must add up to at most 60 s" in str(refused.value)
    )


@pytest.mark.usefixtures("scratch_server")
def test_a_failed_start_without_a_server_log_is_told_in_one_line():
    """When pg_ctl could not start the server, the start read the last lines of the server's
    log to say why; when pg_ctl failed before the server wrote one (the log file could not be
    opened: a folder of the data's path that the server's user could not reach for a moment,
    which another pytest session on the machine does to /tmp/pytest-of-<user>), reading it
    raised, and `make run` ended in a traceback (an OSError it does not catch) instead of
    pg_ctl's reason."""
    assert embedded.start() is True
    embedded.stop()
    log = embedded.data_dir() / "server.log"
    log.unlink()
    log.mkdir()  # pg_ctl cannot write its log there: the server never starts

    with pytest.raises(embedded.EmbeddedPostgresError) as failed:
        embedded.start()

    [line] = str(failed.value).splitlines()
    assert line.startswith("embedded PostgreSQL did not start: ")
    assert "server.log" in line
