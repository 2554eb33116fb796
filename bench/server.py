"""Start a gunicorn server for a settings module, wait until it answers, and always stop it.

The server runs in its own session (process group), so that stopping it reaches every worker,
and so that Ctrl-C in the terminal reaches only us: we stop it in a `finally`, in order.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.measure import BenchError

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int
    log: Path

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the server's live processes (master, workers)."""
        return process_group_cpu_seconds(self.pid)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes in process group `pgid` (from /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces: split after its closing ")".
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process ended while we looked
            continue
        # fields[0] is field 3 of proc(5): state; pgrp is field 5, utime 14, stime 15.
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / _CLOCK_TICKS


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _pid_of_answer(host: str, port: int, path: str) -> int | None:
    """The worker pid that `path` reports ({"pid": n}), 0 for another 200 answer, None if no 200."""
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
    except OSError:
        return None
    finally:
        connection.close()
    if response.status != 200:
        return None
    try:
        return int(json.loads(body)["pid"])
    except (ValueError, KeyError, TypeError):
        return 0


def _all_workers_answer(host: str, port: int, path: str, workers: int) -> bool:
    """True once one burst of parallel requests was answered by `workers` distinct workers (so
    none is still importing Django), or, for a path that does not report pids, by any."""
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        answers = set(pool.map(lambda _: _pid_of_answer(host, port, path), range(4 * workers)))
    if 0 in answers:
        return True
    return len(answers - {None}) >= workers


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT is gunicorn's quick shutdown; SIGKILL whatever is left of the group after 10 s."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    # Workers share the master's process group: none survives this, even if the master died.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def gunicorn(
    *,
    settings_module: str = "bench.settings",
    app: str = "config.wsgi",
    workers: int = 4,
    ready_path: str = "/bench/pid",
    env: Mapping[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
    startup_timeout: float = 60.0,
    log: Path | None = None,
) -> Iterator[Server]:
    """A gunicorn server (WSGI, sync workers) on a free port of 127.0.0.1, and stopped (every
    process of it) when the block exits.

    Yields once every worker has answered `ready_path` (bench.settings' /bench/pid tells which
    worker answered); give a path that returns 200 without a pid for other settings modules.
    Its output goes to `log` (appended), else to var/bench/gunicorn-<settings module>.log.
    """
    host = "127.0.0.1"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):  # another program may take the free port before gunicorn does
        port = free_port(host)
        path = log or LOG_DIR / f"gunicorn-{settings_module}.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            # Not at the path shared by every gunicorn of this user (~/.gunicorn/gunicorn.ctl),
            # which a `make run` next to the bench may be using (deploy/Procfile says more).
            "--no-control-socket",
            *extra_args,
        ]
        with path.open("ab" if log else "wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **(env or {}), "DJANGO_SETTINGS_MODULE": settings_module},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + startup_timeout
            while process.poll() is None and not _all_workers_answer(
                host, port, ready_path, workers
            ):
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"gunicorn ({settings_module}) did not answer {ready_path} within "
                        f"{startup_timeout:.0f} s; its log ends:\n{_tail(path)}"
                    )
                time.sleep(0.1)
            if process.poll() is not None:
                if "Address already in use" in _tail(path):
                    continue
                raise BenchError(
                    f"gunicorn ({settings_module}) exited with {process.returncode}; "
                    f"its log ends:\n{_tail(path)}"
                )
            yield Server(host=host, port=port, pid=process.pid, log=path)
            return
        finally:
            _stop(process)
    raise BenchError("gunicorn could not bind a free port in 3 attempts")
