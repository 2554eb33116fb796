"""Load straight through psycopg: the same SQL the ORM sends, from a psycopg_pool ConnectionPool.

The probe starts `processes` worker processes (`python -m bench.pgload`), each with `threads`
threads sharing one pool, so `processes * threads` queries are in flight, like as many HTTP
connections. Processes, because one process's threads share one GIL and the client would measure
itself. The connections are set up like Django's (autocommit, client-side binding, no prepared
statements), so the difference from the HTTP figure is the framework and the server, not the wire.

Workers query from the moment their pool is full (their warm-up) and say so; once all of them are
querying, the runner sends them one wall-clock time, start_at, and each counts only the queries
that start and end inside [start_at, start_at + seconds].
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import threading
import time
from abc import abstractmethod
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypedDict

import psycopg
from psycopg_pool import ConnectionPool, PoolClosed

from bench.measure import BenchError, Probe, Sample

ROOT = Path(__file__).resolve().parent.parent
# Latencies are kept in logarithmic buckets 1 % wide, so that workers' histograms can be merged.
_STEP = math.log(1.01)
# Once every worker is querying, how long they go on before the counted window opens.
WARMUP_S = 0.5


def bucket_of(microseconds: float) -> int:
    return int(math.log(max(microseconds, 1.0)) / _STEP)


def bucket_value(bucket: int) -> float:
    """The middle of a bucket, in microseconds."""
    return math.exp((bucket + 0.5) * _STEP)


def percentile(histogram: Mapping[int, int], fraction: float) -> float:
    """The latency (microseconds) below which `fraction` of the samples fall."""
    total = sum(histogram.values())
    if total == 0:
        raise ValueError("empty histogram")
    rank = fraction * total
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket_value(bucket)
    return bucket_value(max(histogram))


# --- a load worker process -------------------------------------------------------------------

Pick = Callable[[Sequence[Any]], Any]  # the thread's own random.choice
# One unit of work (a query, a replayed request, a replayed search) on a connection of the pool;
# raises psycopg.Error when the database refuses it.
Unit = Callable[[ConnectionPool, Pick], None]


class WorkerReport(TypedDict):
    queries: int  # units that started and ended inside the window
    errors: int  # units the database refused (the run fails)
    timeouts: int  # units cancelled by a statement timeout, when the worker counts them
    cpu_seconds: float  # this process's CPU time inside the window
    histogram: dict[str, int]  # latency bucket -> count


@dataclass
class _Tally:
    """One thread's figures, merged at the end (no locks on the hot path)."""

    latencies: list[float] = field(default_factory=list)  # μs, units inside the window
    timeouts: int = 0
    failures: int = 0
    first_failure: str = ""


class _Window:
    """The counted interval on this process's perf_counter clock; None until the runner says."""

    bounds: tuple[float, float] | None = None


class HasBounds(Protocol):
    bounds: tuple[float, float] | None


def count_in_window(
    window: HasBounds, seconds: float, *, on_open: Callable[[], None] | None = None
) -> float:
    """The load worker's side of the start: say "ready", read the epoch time at which the
    runner opens the counted window, set `window.bounds` to it on this process's monotonic clock
    (the threads read it), call `on_open` when it opens and wait until it closes. Returns this
    process's CPU seconds inside the window."""
    print("ready", flush=True)
    line = sys.stdin.readline().strip()
    start_at = float(line) if line else time.time() - seconds  # no answer: stop at once
    offset = time.perf_counter() - time.time()
    window.bounds = (start_at + offset, start_at + seconds + offset)
    time.sleep(max(0.0, window.bounds[0] - time.perf_counter()))
    if on_open is not None:
        on_open()
    cpu_at_start = time.process_time()
    time.sleep(max(0.0, window.bounds[1] - time.perf_counter()))
    return time.process_time() - cpu_at_start


def _hammer(
    pool: ConnectionPool, unit: Unit, window: _Window, tally: _Tally, count_timeouts: bool
) -> None:
    """Run `unit` back to back until the window closes, timing those inside it. A unit that a
    statement timeout cancels counts, its time included, when `count_timeouts` (the search
    replay: the HTTP case answers it with a 503); any other refusal is a failure."""
    pick = random.Random().choice
    while True:
        began = time.perf_counter()
        bounds = window.bounds
        if bounds is not None and began >= bounds[1]:
            return
        counted = bounds is not None and bounds[0] <= began
        try:
            unit(pool, pick)
        except PoolClosed:
            return  # the process is stopping
        except psycopg.Error as error:
            if not (count_timeouts and isinstance(error, psycopg.errors.QueryCanceled)):
                tally.failures += 1
                tally.first_failure = tally.first_failure or str(error).strip()
                continue
            tally.timeouts += counted
        finished = time.perf_counter()
        if counted and bounds is not None and finished <= bounds[1]:
            tally.latencies.append((finished - began) * 1e6)


def load_worker(
    *, conninfo: str, unit: Unit, threads: int, seconds: float, count_timeouts: bool = False
) -> WorkerReport:
    """Fill a pool of `threads` connections, run `unit` from as many threads, say "ready",
    keep going (uncounted: warm-up) until the runner sends the epoch time at which the counted
    window opens, count for `seconds` from then, report."""
    pool = django_like_pool(conninfo, threads)
    with pool:
        pool.wait(timeout=30)
        window = _Window()
        tallies = [_Tally() for _ in range(threads)]
        workers = [
            threading.Thread(
                target=_hammer,
                args=(pool, unit, window, tally, count_timeouts),
                daemon=True,  # Ctrl-C must not wait for them
            )
            for tally in tallies
        ]
        for worker in workers:
            worker.start()
        cpu_seconds = count_in_window(window, seconds)
        for worker in workers:
            worker.join()
    histogram: Counter[int] = Counter()
    for tally in tallies:
        histogram.update(bucket_of(us) for us in tally.latencies)
    if first := next((t.first_failure for t in tallies if t.first_failure), ""):
        print(f"first failure: {first}", file=sys.stderr, flush=True)
    return {
        "queries": sum(len(tally.latencies) for tally in tallies),
        "errors": sum(tally.failures for tally in tallies),
        "timeouts": sum(tally.timeouts for tally in tallies),
        "cpu_seconds": cpu_seconds,
        "histogram": {str(bucket): count for bucket, count in histogram.items()},
    }


def worker_main(
    argv: Sequence[str] | None,
    *,
    prog: str,
    description: str | None,
    unit: Callable[[], Unit],
    count_timeouts: bool = False,
) -> int:
    """`python -m <prog> --threads N --seconds S`: a load worker whose unit of work `unit()`
    builds from the environment the probe gave it; the pool's conninfo is BENCH_PG_CONNINFO."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args(argv)
    try:
        report = load_worker(
            conninfo=os.environ["BENCH_PG_CONNINFO"],
            unit=unit(),
            threads=args.threads,
            seconds=args.seconds,
            count_timeouts=count_timeouts,
        )
    except KeyboardInterrupt:  # Ctrl-C reaches the whole terminal group; the runner reports it
        return 130
    print(json.dumps(report), flush=True)
    return 0


# --- the probes, in the runner's process ---------------------------------------------------------


@dataclass
class WorkerProbe(Probe):
    """`processes * threads` units of work in flight: `processes` copies of a load worker
    (`python -m <module>`, built on `worker_main`), each with `threads` threads sharing one pool.
    Keeps its samples (`history`, the warm-up first) for a section's targets."""

    conninfo: str = ""
    processes: int = 2
    threads: int = 8
    min_seconds: float = 0.0  # a run lasts at least this long
    settle: Callable[[], None] | None = None  # runs before each run, uncounted
    history: list[Sample] = field(default_factory=list)

    module: ClassVar[str]
    units: ClassVar[str]  # what a unit is called in messages, plural ("psycopg queries")
    grace: ClassVar[float] = 60  # seconds a worker may take past its window to report

    @property
    def tool(self) -> str:
        return f"psycopg {self.processes}x{self.threads}"

    def __post_init__(self) -> None:
        if self.processes * self.threads != self.concurrency:
            raise ValueError("processes * threads must equal concurrency")

    @abstractmethod
    def worker_env(self) -> dict[str, str]:
        """What the worker reads to build its unit of work."""

    def run(self, seconds: float) -> Sample:
        seconds = max(self.min_seconds, seconds)
        if self.settle is not None:
            self.settle()
        command = [
            sys.executable,
            "-m",
            self.module,
            f"--threads={self.threads}",
            f"--seconds={seconds}",
        ]
        outputs = run_load_workers(
            command,
            env={**os.environ, "BENCH_PG_CONNINFO": self.conninfo, **self.worker_env()},
            processes=self.processes,
            seconds=seconds,
            what=f"load worker ({self.module})",
            grace=self.grace,
        )
        if errors := sum(o["errors"] for o in outputs):
            raise BenchError(f"{errors} {self.units} failed")
        done = sum(o["queries"] for o in outputs)
        if not done:
            raise BenchError(f"the load completed none of its {self.units}")
        histogram = merged_histogram(outputs)
        sample = Sample(
            requests_per_second=done / seconds,
            p50_ms=percentile(histogram, 0.50) / 1000,
            p99_ms=percentile(histogram, 0.99) / 1000,
            requests=done,
            errors=sum(o["timeouts"] for o in outputs),
            cpu_ms_per_request=1000 * sum(o["cpu_seconds"] for o in outputs) / done,
        )
        self.history.append(sample)
        return sample


def _one_statement() -> Unit:
    """PsycopgProbe's unit: a pool checkout, one statement with a random id, its row fetched."""
    sql = os.environ["BENCH_PG_SQL"]
    ids: list[int] = json.loads(Path(os.environ["BENCH_PG_IDS"]).read_text())

    def unit(pool: ConnectionPool, pick: Pick) -> None:
        with pool.connection() as connection:
            connection.execute(sql, (pick(ids),)).fetchone()

    return unit


def main(argv: Sequence[str] | None = None) -> int:
    return worker_main(
        argv, prog="python -m bench.pgload", description=__doc__, unit=_one_statement
    )


@dataclass
class PsycopgProbe(WorkerProbe):
    """`processes * threads` concurrent queries, each a pool checkout + one statement + fetch."""

    sql: str = ""
    ids_file: Path | None = None

    module: ClassVar[str] = "bench.pgload"
    units: ClassVar[str] = "psycopg queries"

    def worker_env(self) -> dict[str, str]:
        if self.ids_file is None:
            raise BenchError("PsycopgProbe needs ids_file")
        return {"BENCH_PG_SQL": self.sql, "BENCH_PG_IDS": str(self.ids_file)}


def django_like_pool(conninfo: str, threads: int) -> ConnectionPool:
    """A pool of `threads` connections set up as Django sets its own up: no BEGIN/COMMIT
    (autocommit), parameters bound client-side, no server-side prepared statements."""
    return ConnectionPool(
        conninfo,
        min_size=threads,
        max_size=threads,
        kwargs={
            "autocommit": True,
            "cursor_factory": psycopg.ClientCursor,
            "prepare_threshold": None,
        },
        open=True,
    )


def run_load_workers(
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    processes: int,
    seconds: float,
    what: str,
    grace: float = 60,
) -> list[WorkerReport]:
    """Start `processes` copies of a load worker (a module that prints "ready", waits for a start
    time on stdin, loads for `seconds` and prints a WorkerReport as JSON), start them together,
    and collect their reports. Never leaves a worker running."""
    workers = [
        subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=dict(env),
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    outputs: list[WorkerReport] = []
    try:
        for worker in workers:
            assert worker.stdout is not None
            if worker.stdout.readline().strip() != "ready":
                _, err = worker.communicate(timeout=10)
                raise BenchError(f"{what} failed: {err.strip()}")
        # Every worker is querying by now; they all count over the same window.
        start_at = time.time() + WARMUP_S
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write(f"{start_at!r}\n")
            worker.stdin.flush()
        for worker in workers:
            out, err = worker.communicate(timeout=WARMUP_S + seconds + grace)
            if worker.returncode != 0:
                raise BenchError(f"{what} failed: {err.strip()}")
            outputs.append(json.loads(out))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    return outputs


def merged_histogram(outputs: Sequence[WorkerReport]) -> Counter[int]:
    histogram: Counter[int] = Counter()
    for output in outputs:
        histogram.update({int(b): count for b, count in output["histogram"].items()})
    return histogram


if __name__ == "__main__":
    sys.exit(main())
