"""The bookings bench's probes, in the runner's process: each run starts the load workers of
bench/bookings/load.py (several processes, so that the client's GIL does not measure itself) and
turns their reports into a Sample, keeping what the section's summary needs after the runs."""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import psycopg

from bench.bookings.load import LoadReport
from bench.bookings.plan import status_kb
from bench.measure import BenchError, Probe, Sample
from bench.pgload import bucket_value, percentile, run_load_workers


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class LoadRun:
    sample: Sample
    unit: Latency  # a hold, a hold + confirm cycle, a transaction, or a rush request
    hold: Latency | None
    confirm: Latency | None
    statuses: dict[str, int]


def _merged(histograms: Iterable[Mapping[str, int]]) -> Counter[int]:
    merged: Counter[int] = Counter()
    for histogram in histograms:
        merged.update({int(bucket): count for bucket, count in histogram.items()})
    return merged


def _latency(histogram: Counter[int]) -> Latency | None:
    if not histogram:
        return None
    return Latency(
        p50_ms=percentile(histogram, 0.50) / 1000, p99_ms=percentile(histogram, 0.99) / 1000
    )


def _statuses(reports: Sequence[LoadReport]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for report in reports:
        total.update(report["statuses"])
    return dict(total)


def _run_workers(
    mode: str, *, processes: int, threads: int, seconds: float, env: Mapping[str, str]
) -> list[LoadReport]:
    command = [
        sys.executable,
        "-m",
        "bench.bookings.load",
        f"--mode={mode}",
        f"--threads={threads}",
        f"--seconds={seconds}",
    ]
    with tempfile.TemporaryDirectory(prefix="outings-bench-claims-") as claims:
        reports = run_load_workers(
            command,
            env={**os.environ, **env, "BENCH_BOOKINGS_CLAIMS": claims},
            processes=processes,
            seconds=seconds,
            what=f"bookings load worker ({mode})",
        )
    outputs = cast(list[LoadReport], reports)
    if errors := sum(o["errors"] for o in outputs):
        failures = [f for o in outputs for f in o["failures"]]
        raise BenchError(
            f"{errors} unexpected answers in the {mode} load; first: {failures[:3]}; "
            f"all outcomes: {_statuses(outputs)}"
        )
    return outputs


@dataclass
class LoadProbe(Probe):
    """`processes * threads` clients in a loop: holds, confirmed holds (a hold then its confirm:
    req/s counts confirmed holds, p50/p99 are per HTTP request, either kind) or hold_seats'
    transaction through psycopg. CPU per unit: the server's (all gunicorn processes, over the
    whole run, per unit completed in it) for HTTP, the client's (in the window) for psycopg."""

    mode: str = "hold"
    processes: int = 2
    threads: int = 16
    env: dict[str, str] = field(default_factory=dict)
    server_cpu: Callable[[], float] | None = None
    history: list[LoadRun] = field(default_factory=list)

    @property
    def tool(self) -> str:
        client = "psycopg" if self.mode == "sql" else "http.client"
        return f"{client} {self.processes}x{self.threads}"

    def __post_init__(self) -> None:
        if self.processes * self.threads != self.concurrency:
            raise ValueError("processes * threads must equal concurrency")

    def run(self, seconds: float) -> Sample:
        cpu_before = self.server_cpu() if self.server_cpu else 0.0
        outputs = _run_workers(
            self.mode,
            processes=self.processes,
            threads=self.threads,
            seconds=seconds,
            env=self.env,
        )
        units = sum(o["queries"] for o in outputs)
        if not units:
            raise BenchError(f"the {self.mode} load completed nothing in {seconds:g} s")
        holds = _merged(o["hold_histogram"] for o in outputs)
        confirms = _merged(o["confirm_histogram"] for o in outputs)
        unit = _latency(_merged(o["histogram"] for o in outputs))
        hold, confirm = _latency(holds), _latency(confirms)
        per_request = _latency(holds + confirms) if self.mode == "hold_confirm" else unit
        if unit is None or per_request is None:
            raise BenchError(f"the {self.mode} load timed nothing in {seconds:g} s")
        if self.server_cpu is not None:
            completed = sum(o["all_done"] for o in outputs)
            cpu_ms = 1000 * (self.server_cpu() - cpu_before) / max(completed, 1)
        else:
            cpu_ms = 1000 * sum(o["cpu_seconds"] for o in outputs) / units
        sample = Sample(
            requests_per_second=units / seconds,
            p50_ms=per_request.p50_ms,
            p99_ms=per_request.p99_ms,
            requests=units,
            cpu_ms_per_request=cpu_ms,
        )
        self.history.append(
            LoadRun(
                sample=sample, unit=unit, hold=hold, confirm=confirm, statuses=_statuses(outputs)
            )
        )
        return sample


@dataclass
class RushProbe(Probe):
    """The hot-slot rush: `processes * threads` guests POST a 1-seat booking on the same fresh
    small slot at the same instant, once per run. Latency counts from that instant (queueing
    included); req/s is the rush's size over the time its last answer took. Every rush must end
    with exactly `capacity` 201s, the rest 409 slot_full, and the slot's seats_taken equal to
    both its capacity and the seats of its bookings (checked in the database)."""

    slots: list[int] = field(default_factory=list)
    capacity: int = 10
    processes: int = 2
    threads: int = 100
    env: dict[str, str] = field(default_factory=dict)
    conninfo: str = ""
    history: list[LoadRun] = field(default_factory=list)

    @property
    def tool(self) -> str:
        return f"http.client {self.processes}x{self.threads}"

    def run(self, seconds: float) -> Sample:
        if not self.slots:
            raise BenchError("no fresh rush slot left: raise RUSH_SLOTS in bench/bookings/data.py")
        slot_id = self.slots.pop(0)
        outputs = _run_workers(
            "rush",
            processes=self.processes,
            threads=self.threads,
            seconds=seconds,
            env={**self.env, "BENCH_BOOKINGS_RUSH_SLOT": str(slot_id)},
        )
        statuses = _statuses(outputs)
        expected = {"201": self.capacity, "409 slot_full": self.concurrency - self.capacity}
        if statuses != expected:
            raise BenchError(f"rush on slot {slot_id}: {statuses}, expected {expected}")
        self._check_seats(slot_id)
        histogram = _merged(o["histogram"] for o in outputs)
        latency = _latency(histogram)
        assert latency is not None
        last_ms = bucket_value(max(histogram)) / 1000
        sample = Sample(
            requests_per_second=self.concurrency / (last_ms / 1000),
            p50_ms=latency.p50_ms,
            p99_ms=latency.p99_ms,
            requests=self.concurrency,
        )
        self.history.append(
            LoadRun(sample=sample, unit=latency, hold=None, confirm=None, statuses=statuses)
        )
        return sample

    def _check_seats(self, slot_id: int) -> None:
        with psycopg.connect(self.conninfo, autocommit=True) as db:
            row = db.execute(
                "SELECT s.seats_taken, s.capacity, (SELECT coalesce(sum(b.seats), 0)"
                " FROM bookings_booking b WHERE b.slot_id = s.id"
                " AND b.status IN ('held', 'requested', 'confirmed'))"
                " FROM scheduling_slot s WHERE s.id = %s",
                [slot_id],
            ).fetchone()
        if row is None or not row[0] == row[1] == row[2] == self.capacity:
            raise BenchError(
                f"rush on slot {slot_id}: seats_taken, capacity, seats booked = {row}, expected "
                f"{self.capacity} each"
            )


# --- memory of the web workers ------------------------------------------------------------------


def process_group_memory(pgid: int) -> dict[int, dict[str, int]]:
    """{pid: {"VmHWM": kB, "VmRSS": kB, ...}} for the live processes of process group `pgid`."""
    found: dict[int, dict[str, int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) != pgid:
                continue
            found[int(stat.parent.name)] = status_kb((stat.parent / "status").read_text())
        except (OSError, IndexError, ValueError):  # the process ended while we looked
            continue
    return found
