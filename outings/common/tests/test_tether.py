"""A command started through outings.common.tether stops when the process that started it is
killed outright (make run's servers and workers when the runner gets SIGKILL)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from outings.common import runner, tether

ROOT = Path(__file__).resolve().parents[3]
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's"
)


def _running(pid: int) -> bool:
    """True while `pid` runs; a zombie (dead, not yet reaped by its new parent) is not running."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _orphan_after_parent_killed(tmp_path: Path, *, tethered: bool) -> int:
    """Start a parent that starts `sleep` (through the tether or not), SIGKILL the parent, and
    return the sleeper's pid once the parent is gone."""
    pidfile = tmp_path / "child.pid"
    child = ["sh", "-c", f"echo $$ > {pidfile}; exec sleep 60"]
    if tethered:
        child = [sys.executable, "-m", "outings.common.tether", *child]
    script = f"import subprocess, time; subprocess.Popen({child!r}); time.sleep(60)"
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    deadline = time.monotonic() + 20
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    assert _running(pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    return pid


@linux_only
def test_a_tethered_command_stops_when_its_parent_is_killed(tmp_path):
    pid = _orphan_after_parent_killed(tmp_path, tethered=True)

    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(pid)


@linux_only
def test_without_the_tether_the_command_outlives_its_parent(tmp_path):
    """The negative control: if this failed, the test above could not tell the tether works."""
    pid = _orphan_after_parent_killed(tmp_path, tethered=False)
    try:
        time.sleep(1)
        assert _running(pid)
    finally:
        os.kill(pid, signal.SIGKILL)


def test_a_command_whose_parent_is_already_gone_is_not_run(tmp_path):
    """The runner names itself; a tether started after it died (its parent is then init or a
    subreaper) exits instead of running the command unwatched."""
    marker = tmp_path / "ran"
    result = subprocess.run(
        [sys.executable, "-m", "outings.common.tether", "touch", str(marker)],
        cwd=ROOT,
        env={**os.environ, tether.PARENT_ENV: "999999999"},
        timeout=30,
    )

    expected = 1 if sys.platform.startswith("linux") else 0
    assert result.returncode == expected
    assert marker.exists() is (expected == 0)


def test_make_run_starts_every_process_through_the_tether():
    line = runner._tethered(["gunicorn", "config.wsgi"])

    assert line.startswith("exec ")
    assert line.endswith("-m outings.common.tether gunicorn config.wsgi")


# What the runner does: honcho runs each command from a multiprocessing child of its own.
HONCHO_PARENT = """
import sys
from honcho.manager import Manager
from honcho.printer import Printer
from outings.common import runner, tether

tether.tether_forked_children()
manager = Manager(Printer(sys.stdout))
manager.add_process("sleeper", runner._tethered(sys.argv[1:]))
manager.loop()
"""


@linux_only
def test_a_command_under_honcho_stops_when_the_runner_is_killed(tmp_path):
    """The smoke run found the first version tethered to the runner itself, which is not the
    command's parent under honcho: every process exited at once. Here the whole chain, runner ->
    honcho's child -> command, and the runner SIGKILLed."""
    pidfile = tmp_path / "child.pid"
    parent = subprocess.Popen(
        [sys.executable, "-c", HONCHO_PARENT, "sh", "-c", f"echo $$ > {pidfile}; exec sleep 60"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert parent.poll() is None, "the runner stopped: the command did not start"
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    time.sleep(0.5)
    assert _running(pid), "the command did not keep running under honcho"

    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(pid)
