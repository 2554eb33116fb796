"""Review (operations), session 22: what `make run`'s Ctrl-C does to a task in flight, and the
ports it is given. Each test proves one defect, or guards its fix."""

import subprocess
from pathlib import Path

import pytest

from outings.common.tests.test_operations import PY, ROOT, _env
from outings.common.tests.test_review_session10 import _free_port_pair, _run
from outings.common.tests.test_review_session21_run import (
    _ctrl_c,
    _runner_environment,
    _start,
    _stop,
    _wait,
    linux_only,
    scratch_var,  # noqa: F401 - a fixture
)

# Loaded by every Python process started with its folder on PYTHONPATH: in a Celery worker (the
# import_modules signal, sent before the pool forks) it registers a task that takes `seconds`
# and notes its start and its end, each with its process id.
_SLOW_TASK = """
import os
if os.environ.get("SLOW_TASK_MARKS"):
    from celery.signals import import_modules

    def _register(sender, **_):
        import pathlib, time

        marks = pathlib.Path(os.environ["SLOW_TASK_MARKS"])

        @sender.task(name="tests.slow_task", lazy=False)
        def slow_task(seconds):
            with (marks / "started").open("a") as note:
                note.write(f"{os.getpid()}\\n")
            time.sleep(seconds)
            with (marks / "finished").open("a") as note:
                note.write(f"{os.getpid()}\\n")

    import_modules.connect(_register, weak=False)
"""
TASK_SECONDS = 6


def _send_slow_task(environment: dict[str, str]) -> None:
    """Queue the slow task on `make run`'s broker (the filesystem one in its var folder)."""
    subprocess.run(
        [
            PY,
            "-c",
            "from config.celery import app;"
            f"app.send_task('tests.slow_task', args=[{TASK_SECONDS}], queue='default')",
        ],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=60,
    )


def _lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


@linux_only
def test_ctrl_c_lets_the_worker_finish_the_task_in_flight(
    scratch_var: Path,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    """README: Ctrl-C stops everything; a Celery worker's warm shutdown finishes the tasks it
    runs (`runner.STOP_WAIT` waits for it). honcho sent SIGTERM to each command's whole process
    group, and a Celery worker's pool processes are in its group: they take SIGTERM's default
    (Celery resets it in them) and died at once, the task in flight with them, given back to the
    broker (acks_late, reject on worker lost) to run again at the next start. Now only the
    worker's own process gets the signal, and it finishes the task before it exits."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(_SLOW_TASK)
    marks = tmp_path / "marks"
    marks.mkdir()
    environment, port = _runner_environment(scratch_var)
    environment.update(PYTHONPATH=str(site), SLOW_TASK_MARKS=str(marks))
    runner, output = _start(environment, port)
    try:
        _wait(
            lambda: any("main@" in line and "ready." in line for line in output),
            120,
            "the urgent+default worker did not get ready",
            output,
        )
        _send_slow_task(environment)
        _wait((marks / "started").exists, 60, "the slow task did not start", output)

        _ctrl_c(runner, output)
    finally:
        _stop(runner)

    said = "".join(output)[-6000:]
    started = _lines(marks / "started")
    assert len(started) == 1, said
    assert _lines(marks / "finished") == started, said
    left = [
        path.name
        for path in (scratch_var / "celery" / "queue").iterdir()
        if "tests.slow_task" in path.read_text(errors="replace")
    ]
    assert left == [], f"the task was given back to the broker to run again:\n{said}"
    assert runner.returncode == 130, said


@pytest.mark.parametrize("offset", [0, 1])
def test_it_refuses_an_embedded_database_port_that_make_run_serves_on(
    scratch_var: Path,  # noqa: F811 - the fixture imported above
    offset: int,
) -> None:
    """README: OUTINGS_PG_PORT is the embedded PostgreSQL's port, OUTINGS_PORT the site's, and
    gunicorn takes the one after it. The preflight checked that the site's two ports were free
    before PostgreSQL had started, so either one as OUTINGS_PG_PORT passed: PostgreSQL was made
    and started there, the migrations ran, and then uvicorn or gunicorn could not listen, and
    every process was stopped again with their tracebacks. It is refused up front, in one line,
    before anything is made."""
    port = _free_port_pair()
    environment = _env(OUTINGS_VAR_DIR=str(scratch_var), OUTINGS_PG_PORT=str(port + offset))

    result = _run(environment, "--port", str(port), "--skip-import")

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        f"error: OUTINGS_PG_PORT: {port + offset} is one of make run's own ports ({port} for "
        f"the site, {port + 1} for gunicorn behind it); set OUTINGS_PG_PORT to another port"
    ]
    assert not (scratch_var / "postgres").exists()


def test_a_database_url_leaves_the_embedded_database_port_unread(tmp_path: Path) -> None:
    """The check is the embedded profile's: with DATABASE_URL set, OUTINGS_PG_PORT names no
    server, and whatever it says stops nothing (here the server the URL names is not there)."""
    port = _free_port_pair()
    environment = _env(
        OUTINGS_VAR_DIR=str(tmp_path),
        OUTINGS_PG_PORT=str(port),
        DATABASE_URL=f"postgres://nobody@127.0.0.1:{port}/outings",
        SECRET_KEY="a-secret-for-this-test",
    )

    result = _run(environment, "--port", str(port), "--skip-import")

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith(
        f"error: DATABASE_URL: cannot connect to 127.0.0.1:{port}: "
    ), result.stderr
