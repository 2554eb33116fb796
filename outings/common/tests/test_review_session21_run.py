"""Review (the newcomer's path), session 21: `make run` stopped the ways a newcomer stops it.
README: "Ctrl-C stops all of them and the embedded PostgreSQL; nothing is left running." Each
test proves one defect, or guards its fix."""

import os
import pty
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from outings.common.tests.test_operations import PY, ROOT, _env, _free_port, _free_port_pair
from outings.common.tests.test_tether import _running

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process tree from /proc"
)
READY = "Press Ctrl-C to stop everything."


@pytest.fixture
def scratch_var() -> Iterator[Path]:
    """A var folder of its own (not under pytest's tmp_path: see test_embedded's fixture), its
    embedded PostgreSQL stopped whatever the test left."""
    with tempfile.TemporaryDirectory(prefix="outings-run-test-") as folder:
        try:
            yield Path(folder)
        finally:
            _embedded(Path(folder), "stop")


def _embedded(var: Path, command: str, port: int | None = None) -> int:
    environment = {**os.environ, "OUTINGS_VAR_DIR": str(var)}
    if port is not None:
        environment["OUTINGS_PG_PORT"] = str(port)
    return subprocess.run(
        [PY, "-m", "outings.common.embedded", command],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=120,
    ).returncode


def _database_running(var: Path) -> bool:
    return _embedded(var, "status") == 0


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` now (Linux: read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _port_free(port: int) -> bool:
    """Whether a server could listen on `port` again (as servers do, and the runner's port
    check: SO_REUSEADDR, so that the closed connections' TIME_WAIT does not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _serving(port: int, path: str = "/health/live") -> bool:
    """Whether the site answers `path` with 200 (/health/ready: with its database)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait(condition: Callable[[], bool], seconds: float, what: str, output: list[str]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}; the runner said:\n{_said(output)}"
        time.sleep(0.2)


def _said(output: list[str]) -> str:
    """What the runner said: honcho's own lines (which process started, stopped and how: the
    first to stop is often what a failure is about, long before the tail) and the tail."""
    system = [line for line in output if " system | " in line or line.startswith("outings |")]
    return f"{''.join(system)[-3000:]}\n...\n{''.join(output)[-4000:]}"


class Tee:
    """What reads the runner's output (a terminal, `tee`): collected until `stop`, which closes
    the reading end as a reader that exits does."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.output: list[str] = []
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.descriptor], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self.descriptor, 4096)
            except OSError:  # EIO: the runner's side of a terminal closed
                return
            if not data:
                return
            self.output.append(data.decode(errors="replace"))

    def said(self, text: str) -> bool:
        return text in "".join(self.output)

    def stop(self) -> None:
        if not self._stop.is_set():
            self._stop.set()
            self._reader.join()
            os.close(self.descriptor)


class Terminal:
    """A pseudo-terminal whose session `make run` leads, as in a terminal window: closing it
    (`hang_up`) is closing the window, the kernel's SIGHUP to the runner included."""

    # Run in the child: a session of its own, with this terminal as its controlling one.
    LEADER = (
        "import fcntl, os, sys, termios; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0);"
        "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
    )

    def __init__(self, environment: dict[str, str], port: int) -> None:
        master, slave = pty.openpty()
        self.process = _runner(environment, port, slave, before=["-c", self.LEADER], stdin=slave)
        self.tee = Tee(master)
        self.output = self.tee.output

    def said(self, text: str) -> bool:
        return self.tee.said(text)

    def hang_up(self) -> None:
        self.tee.stop()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.tee.stop()


def _runner(
    environment: dict[str, str],
    port: int,
    output: int,
    *,
    before: Sequence[str] = (),
    **options: Any,
) -> subprocess.Popen[bytes]:
    """`make run`'s runner (no catalogue import) writing to the descriptor `output`, which is
    closed here as the runner's own: its reader sees the end when the runner's copy closes."""
    process = subprocess.Popen(
        [PY, *before, "-m", "outings.common.runner", "--port", str(port), "--skip-import"],
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=output,
        **options,
    )
    os.close(output)
    return process


def _runner_environment(var: Path) -> tuple[dict[str, str], int]:
    """A scratch var folder and free ports: the front's and gunicorn's pair, and PostgreSQL's
    another (each probed free on its own, the same number came back for both once)."""
    port = _free_port_pair()
    pg_port = _free_port()
    while pg_port in (port, port + 1):
        pg_port = _free_port()
    return _env(OUTINGS_VAR_DIR=str(var), OUTINGS_PG_PORT=str(pg_port)), port


@linux_only
def test_closing_the_terminal_of_make_run_leaves_nothing_running(scratch_var):
    """A newcomer closes the terminal window `make run` runs in (or their ssh session drops):
    the kernel sends SIGHUP, which nothing in the runner handled, so it died on the spot, as if
    killed: its servers and workers went with it (outings.common.tether), but the embedded
    PostgreSQL, a daemon, kept running, and every later run reused it and, not having started
    it, left it running at its own Ctrl-C too."""
    environment, port = _runner_environment(scratch_var)
    terminal = Terminal(environment, port)
    try:
        _wait(lambda: terminal.said(READY), 300, "the runner did not start", terminal.output)
        _wait(lambda: _serving(port), 120, "the site did not answer", terminal.output)
        processes = _descendants(terminal.process.pid)
        assert len(processes) >= 10  # five relays of honcho's, five servers and workers
        assert _database_running(scratch_var)

        terminal.hang_up()

        terminal.process.wait(timeout=60)
        _wait(
            lambda: not any(_running(pid) for pid in processes),
            40,
            "processes outlived the terminal",
            terminal.output,
        )
        assert _port_free(port)
        assert _port_free(port + 1)
        assert not _database_running(scratch_var), "the embedded PostgreSQL outlived the run"
    finally:
        terminal.close()


def _start(environment: dict[str, str], port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """The runner in a process group of its own, as a terminal's job; its output collected."""
    runner = subprocess.Popen(
        [PY, "-m", "outings.common.runner", "--port", str(port), "--skip-import"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []

    def read() -> None:
        assert runner.stdout is not None
        for line in runner.stdout:
            output.append(line)

    threading.Thread(target=read, daemon=True).start()
    _wait(lambda: any(READY in line for line in output), 300, "the runner did not start", output)
    _wait(lambda: _serving(port), 120, "the site did not answer", output)
    return runner, output


def _ctrl_c(runner: subprocess.Popen[str], output: list[str]) -> None:
    """What a terminal does on Ctrl-C: SIGINT to the job's process group."""
    os.killpg(runner.pid, signal.SIGINT)
    try:
        runner.wait(timeout=90)
    except subprocess.TimeoutExpired:
        os.kill(runner.pid, signal.SIGUSR1)  # its threads' stacks, to the output (runner.py)
        time.sleep(2)
        pytest.fail(f"the runner did not stop on Ctrl-C:\n{_said(output)[-7000:]}")


def _stop(runner: subprocess.Popen[str]) -> None:
    if runner.poll() is None:
        os.killpg(runner.pid, signal.SIGKILL)
        runner.wait()


@linux_only
def test_the_run_after_a_killed_one_stops_the_postgresql_the_killed_one_left(scratch_var):
    """docs/architecture.md: "An embedded PostgreSQL that a killed runner left running (it is
    a daemon, not a child) is found and reused by the next run." That next run then stopped
    only what it had started itself, so at its Ctrl-C the PostgreSQL went on running, and on
    after every run from then on: one SIGKILL (the OOM killer, `kill -9`) and `make run`
    never again left nothing running."""
    environment, port = _runner_environment(scratch_var)
    killed, output = _start(environment, port)
    try:
        processes = _descendants(killed.pid)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(timeout=10)
        _wait(
            lambda: not any(_running(pid) for pid in processes),
            40,
            "processes outlived the killed runner",
            output,
        )
        assert _database_running(scratch_var)  # a daemon: nothing can stop it with the runner
    finally:
        _stop(killed)

    runner, output = _start(environment, port)
    try:
        _ctrl_c(runner, output)
    finally:
        _stop(runner)

    assert not _database_running(scratch_var), "".join(output)[-4000:]
    # And the next start works.
    runner, output = _start(environment, port)
    try:
        _ctrl_c(runner, output)
    finally:
        _stop(runner)
    assert runner.returncode == 130, "".join(output)[-4000:]
    assert not _database_running(scratch_var)


@linux_only
def test_make_run_leaves_running_the_postgresql_make_test_started(scratch_var):
    """The other side of the fix above: `make test` (scripts/with-database.sh) starts the
    embedded PostgreSQL for its run and stops it at its end; a `make run` started and stopped
    meanwhile reuses that server and must leave it to the tests."""
    environment, port = _runner_environment(scratch_var)
    assert _embedded(scratch_var, "start", int(environment["OUTINGS_PG_PORT"])) == 0

    runner, output = _start(environment, port)
    try:
        _ctrl_c(runner, output)
    finally:
        _stop(runner)

    assert _database_running(scratch_var), "".join(output)[-4000:]


@linux_only
def test_ctrl_c_on_make_run_piped_to_tee_leaves_nothing_running(scratch_var):
    """`make run | tee run.log`, then Ctrl-C: the terminal's SIGINT stops `tee` as well as the
    runner, whose first line after it ("SIGINT received") then fails (EPIPE). That exception
    ended honcho's loop before it stopped anything: the finally stopped the embedded
    PostgreSQL under the running servers, and the runner waited for ever in multiprocessing's
    join of honcho's relays, which wait for their commands, which nobody had stopped."""
    environment, port = _runner_environment(scratch_var)
    reader, writer = os.pipe()
    runner = _runner(environment, port, writer, start_new_session=True)
    tee = Tee(reader)
    try:
        _wait(lambda: tee.said(READY), 300, "the runner did not start", tee.output)
        _wait(lambda: _serving(port), 120, "the site did not answer", tee.output)
        processes = _descendants(runner.pid)

        tee.stop()  # by the same Ctrl-C
        os.killpg(runner.pid, signal.SIGINT)

        try:
            runner.wait(timeout=90)
        except subprocess.TimeoutExpired:
            pytest.fail("the runner did not stop on Ctrl-C once its reader was gone")
        _wait(
            lambda: not any(_running(pid) for pid in processes),
            40,
            "processes outlived the runner",
            tee.output,
        )
        assert not _database_running(scratch_var)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
        tee.stop()


def _make_test(var: Path, pg_port: str, done: Path) -> subprocess.Popen[bytes]:
    """`make test`'s wrapper (scripts/with-database.sh) around a "suite" that runs until `done`
    exists, and makes `<done>.started` once it runs: the server held (`embedded status` says
    running already while initdb runs PostgreSQL single-user)."""
    suite = (
        "import pathlib, sys, time\n"
        "pathlib.Path(sys.argv[1] + '.started').touch()\n"
        "while not pathlib.Path(sys.argv[1]).exists(): time.sleep(0.2)\n"
    )
    return subprocess.Popen(
        ["bash", "scripts/with-database.sh", PY, "-c", suite, str(done)],
        cwd=ROOT,
        env=_env(OUTINGS_VAR_DIR=str(var), OUTINGS_PG_PORT=pg_port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@linux_only
def test_make_test_ending_leaves_the_database_to_a_make_run_still_serving(scratch_var):
    """A newcomer runs the suite in one terminal and, meanwhile, `make run` in another. The
    run found the PostgreSQL that `make test` had started and used it; when the suite ended,
    scripts/with-database.sh stopped it under the running site (every page a 500, /health/ready
    503), and the run's Ctrl-C then had nothing to stop. The last of the two to end stops it."""
    environment, port = _runner_environment(scratch_var)
    done = scratch_var / "suite-done"
    suite = _make_test(scratch_var, environment["OUTINGS_PG_PORT"], done)
    try:
        started = scratch_var / "suite-done.started"
        _wait(started.exists, 120, "make test did not start", [])
        runner, output = _start(environment, port)
        try:
            done.touch()
            assert suite.wait(timeout=120) == 0

            assert _database_running(scratch_var), "make test stopped the site's database"
            assert _serving(port, "/health/ready")
            _ctrl_c(runner, output)
        finally:
            _stop(runner)
    finally:
        done.touch()
        suite.wait(timeout=120)

    assert not _database_running(scratch_var), "".join(output)[-4000:]


@linux_only
def test_make_run_ending_leaves_the_database_to_a_make_test_still_running(scratch_var):
    """The other order: `make run` first, the suite started meanwhile; the run's Ctrl-C
    stopped the PostgreSQL under the tests still running, which then failed one by one."""
    environment, port = _runner_environment(scratch_var)
    done = scratch_var / "suite-done"
    runner, output = _start(environment, port)
    try:
        suite = _make_test(scratch_var, environment["OUTINGS_PG_PORT"], done)
        try:
            _wait((scratch_var / "suite-done.started").exists, 120, "make test did not start", [])
            _ctrl_c(runner, output)

            assert _database_running(scratch_var), "make run stopped the tests' database"
            done.touch()
            assert suite.wait(timeout=120) == 0
        finally:
            done.touch()
            suite.wait(timeout=120)
    finally:
        _stop(runner)

    assert not _database_running(scratch_var)


def test_make_test_leaves_running_a_server_someone_else_started(scratch_var):
    """The fix above made `make test` release the server at its end; one started by hand
    (`python -m outings.common.embedded start`, for psql) or by another `make test` of the
    checkout still running is theirs, and stays up, as before."""
    environment, _ = _runner_environment(scratch_var)
    assert _embedded(scratch_var, "start", int(environment["OUTINGS_PG_PORT"])) == 0
    done = scratch_var / "suite-done"
    done.touch()

    suite = _make_test(scratch_var, environment["OUTINGS_PG_PORT"], done)

    assert suite.wait(timeout=120) == 0
    assert _database_running(scratch_var)
