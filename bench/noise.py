"""How noisy the machine is while we measure: the figures only mean something next to this.

Four views: what the rest of the machine burns while we do nothing (background CPU, and steal
time taken by the hypervisor), how long runnable tasks waited for a CPU meanwhile (Linux PSI),
the load average, and a fixed CPU-bound probe timed several times on every core at once; its
spread is the noise a single figure can carry.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Spread

PROBE_ROUNDS = 7
BUSY_BACKGROUND_PCT = 10.0
BUSY_PROBE_SPREAD_PCT = 10.0


@dataclass(frozen=True)
class Noise:
    background_cpu_pct: float
    steal_pct: float
    # Share of the idle second during which some runnable task waited for a CPU (PSI "some");
    # None where the kernel does not report pressure.
    cpu_pressure_pct: float | None
    load_1m: float
    probe_ms: Spread

    @property
    def probe_spread_pct(self) -> float:
        return self.probe_ms.relative * 100

    @property
    def busy(self) -> bool:
        """Too busy for absolute figures to compare with another day's (ratios fare better)."""
        return (
            self.background_cpu_pct > BUSY_BACKGROUND_PCT
            or self.steal_pct > BUSY_BACKGROUND_PCT
            or self.probe_spread_pct > BUSY_PROBE_SPREAD_PCT
        )


def _cpu_times() -> tuple[int, int, int]:
    """(total, idle incl. iowait, steal) jiffies since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    steal = fields[7] if len(fields) > 7 else 0
    # guest time is already counted in user time
    return sum(fields[:8]), idle, steal


def _pressure_stall_us() -> int | None:
    """Microseconds some task spent waiting for a CPU since boot (/proc/pressure/cpu)."""
    try:
        first = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    fields = dict(item.split("=", 1) for item in first.split()[1:])
    return int(fields["total"]) if "total" in fields else None


def _spin() -> float:
    """A fixed amount of pure-Python work; returns its duration in ms."""
    began = time.perf_counter()
    total = 0
    for i in range(500_000):
        total += i * i % 7
    return (time.perf_counter() - began) * 1000


def measure(idle_seconds: float = 1.0) -> Noise:
    before, stalled_before, began = _cpu_times(), _pressure_stall_us(), time.monotonic()
    time.sleep(idle_seconds)
    after, stalled_after, elapsed = _cpu_times(), _pressure_stall_us(), time.monotonic() - began
    pressure = (
        100 * (stalled_after - stalled_before) / (elapsed * 1e6)
        if stalled_before is not None and stalled_after is not None
        else None
    )
    total = max(after[0] - before[0], 1)
    busy = total - (after[1] - before[1])
    steal = after[2] - before[2]
    rounds = _probe_rounds(os.cpu_count() or 1)
    return Noise(
        background_cpu_pct=100 * busy / total,
        steal_pct=100 * steal / total,
        cpu_pressure_pct=pressure,
        load_1m=os.getloadavg()[0],
        probe_ms=Spread.of(rounds[1:]),  # the first round pays for starting the processes
    )


def _probe_rounds(cores: int) -> list[float]:
    """Each round, one spin per core at once, so that a neighbour taking a core shows up; a round
    lasts as long as its slowest core. The spinners are processes of their own (`python -m
    bench.noise`), started once, that spin whenever they read a line."""
    spinners = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.noise"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(cores)
    ]
    try:
        rounds = []
        for _ in range(PROBE_ROUNDS):
            for spinner in spinners:
                assert spinner.stdin is not None
                spinner.stdin.write("spin\n")
                spinner.stdin.flush()
            times = []
            for spinner in spinners:
                assert spinner.stdout is not None
                times.append(float(spinner.stdout.readline()))
            rounds.append(max(times))
        return rounds
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def main() -> int:
    for _line in sys.stdin:
        print(f"{_spin():.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
