"""wrk, the load generator: finding it, running it, reading its `--latency` report.

wrk is C and event-driven: one thread keeps 64 connections busy for a few percent of a core,
where a Python load generator would take the CPU the server under test needs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import BenchError, Probe, Sample

ROOT = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = ROOT / "scripts" / "install-bench-tools.sh"

# wrk prints times with these units (its format_time_us) ...
_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME = r"([\d.]+)(us|ms|s|m|h)"
_PERCENTILE = re.compile(rf"^\s*(50|99)(?:\.0+)?%\s+{_TIME}\s*$", re.MULTILINE)
_REQUESTS = re.compile(r"^\s*(\d+) requests in " + _TIME, re.MULTILINE)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)\s*$", re.MULTILINE)
_SOCKET_ERRORS = re.compile(
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.MULTILINE
)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


@dataclass(frozen=True)
class WrkReport:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    duration_s: float
    connect_errors: int = 0
    read_errors: int = 0
    write_errors: int = 0
    timeouts: int = 0
    non_2xx: int = 0

    @property
    def socket_errors(self) -> int:
        return self.connect_errors + self.read_errors + self.write_errors + self.timeouts


def _ms(value: str, unit: str) -> float:
    return float(value) * _TIME_UNITS_MS[unit]


def parse(output: str) -> WrkReport:
    """Read wrk's report (run with --latency). Raises BenchError when a figure is missing."""
    percentiles = {int(m[1]): _ms(m[2], m[3]) for m in _PERCENTILE.finditer(output)}
    requests = _REQUESTS.search(output)
    rps = _RPS.search(output)
    if requests is None or rps is None or set(percentiles) != {50, 99}:
        raise BenchError("could not read wrk's report (was it run with --latency?):\n" + output)
    socket = _SOCKET_ERRORS.search(output)
    connect, read, write, timeout = (int(n) for n in socket.groups()) if socket else (0, 0, 0, 0)
    non_2xx = _NON_2XX.search(output)
    return WrkReport(
        requests_per_second=float(rps[1]),
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        requests=int(requests[1]),
        duration_s=_ms(requests[2], requests[3]) / 1000.0,
        connect_errors=connect,
        read_errors=read,
        write_errors=write,
        timeouts=timeout,
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
    )


def find() -> str:
    """The wrk executable; installs Debian's package when it is missing and we may (root + apt)."""
    found = shutil.which("wrk")
    if found is None:
        install = subprocess.run(
            ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, check=False
        )
        found = shutil.which("wrk")
        if found is None:
            raise BenchError(
                "wrk is not installed and could not be installed here "
                f"({install.stderr.strip() or 'no output'}).\n"
                "Install it (Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk) "
                "or run scripts/install-bench-tools.sh as root."
            )
    return found


def version(executable: str) -> str:
    # `wrk -v` prints its banner and usage, then exits 1.
    banner = subprocess.run([executable, "-v"], capture_output=True, text=True, check=False)
    first = (banner.stdout or banner.stderr).splitlines()
    return first[0].split(" [")[0] if first else "wrk"


@dataclass
class WrkProbe(Probe):
    """HTTP load from wrk against one URL. A Lua `script` can vary the request (e.g. random ids).

    Any answer that is not 2xx/3xx fails the run: a fast 500 would read as a fast server.
    """

    url: str = ""
    executable: str = "wrk"
    threads: int = 1
    script: Path | None = None
    # The server's CPU clock (Server.cpu_seconds), to report its CPU time per request.
    server_cpu: Callable[[], float] | None = None

    @property
    def tool(self) -> str:
        return f"wrk -t{self.threads}"

    def run(self, seconds: float) -> Sample:
        command = [
            self.executable,
            f"-t{self.threads}",
            f"-c{self.concurrency}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "--timeout",
            "10s",
        ]
        if self.script is not None:
            command += ["-s", str(self.script)]
        command.append(self.url)
        cpu_before = self.server_cpu() if self.server_cpu else 0.0
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=seconds + 60
        )
        cpu_used = (self.server_cpu() - cpu_before) if self.server_cpu else None
        if done.returncode != 0:
            raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
        report = parse(done.stdout)
        if report.non_2xx:
            raise BenchError(
                f"{report.non_2xx} of {report.requests} answers from {self.url} were not 2xx/3xx"
            )
        if report.requests == 0:
            raise BenchError(f"wrk completed no request against {self.url}")
        return Sample(
            requests_per_second=report.requests_per_second,
            p50_ms=report.p50_ms,
            p99_ms=report.p99_ms,
            requests=report.requests,
            errors=report.socket_errors,
            cpu_ms_per_request=None if cpu_used is None else 1000 * cpu_used / report.requests,
        )
