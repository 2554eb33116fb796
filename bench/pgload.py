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
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypedDict

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


# --- the worker process ------------------------------------------------------------------------


class WorkerReport(TypedDict):
    queries: int
    errors: int
    cpu_seconds: float  # this process's CPU time inside the window
    histogram: dict[str, int]  # latency bucket -> count


@dataclass
class _Tally:
    errors: int = 0


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
    pool: ConnectionPool,
    sql: str,
    ids: Sequence[int],
    window: _Window,
    latencies: list[float],
    tally: _Tally,
) -> None:
    pick = random.Random().choice
    while True:
        began = time.perf_counter()
        bounds = window.bounds
        if bounds is not None and began >= bounds[1]:
            return
        try:
            with pool.connection() as connection:
                connection.execute(sql, (pick(ids),)).fetchone()
        except PoolClosed:
            return  # the process is stopping
        except psycopg.Error:
            tally.errors += 1
            continue
        finished = time.perf_counter()
        if bounds is not None and bounds[0] <= began and finished <= bounds[1]:
            latencies.append((finished - began) * 1e6)


def _work(*, threads: int, seconds: float) -> WorkerReport:
    """Fill the pool, say "ready", query (uncounted: warm-up) until the runner sends the epoch
    time at which the counted window opens, count for `seconds` from then, report."""
    ids: list[int] = json.loads(Path(os.environ["BENCH_PG_IDS"]).read_text())
    pool = django_like_pool(os.environ["BENCH_PG_CONNINFO"], threads)
    with pool:
        pool.wait(timeout=30)
        window = _Window()
        per_thread: list[tuple[list[float], _Tally]] = [([], _Tally()) for _ in range(threads)]
        workers = [
            threading.Thread(
                target=_hammer,
                args=(pool, os.environ["BENCH_PG_SQL"], ids, window, latencies, tally),
                daemon=True,  # Ctrl-C must not wait for them
            )
            for latencies, tally in per_thread
        ]
        for worker in workers:
            worker.start()
        cpu_seconds = count_in_window(window, seconds)
        for worker in workers:
            worker.join()
    histogram: Counter[int] = Counter()
    for latencies, _tally in per_thread:
        histogram.update(bucket_of(us) for us in latencies)
    return {
        "queries": sum(len(latencies) for latencies, _ in per_thread),
        "errors": sum(tally.errors for _, tally in per_thread),
        "cpu_seconds": cpu_seconds,
        "histogram": {str(bucket): count for bucket, count in histogram.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pgload", description=__doc__)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args(argv)
    try:
        report = _work(threads=args.threads, seconds=args.seconds)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole terminal group; the runner reports it
        return 130
    print(json.dumps(report), flush=True)
    return 0


# --- the probe, in the runner's process ---------------------------------------------------------


@dataclass
class PsycopgProbe(Probe):
    """`processes * threads` concurrent queries, each a pool checkout + one statement + fetch."""

    conninfo: str = ""
    sql: str = ""
    ids_file: Path | None = None
    processes: int = 2
    threads: int = 8

    @property
    def tool(self) -> str:
        return f"psycopg {self.processes}x{self.threads}"

    def __post_init__(self) -> None:
        if self.processes * self.threads != self.concurrency:
            raise ValueError("processes * threads must equal concurrency")

    def run(self, seconds: float) -> Sample:
        if self.ids_file is None:
            raise BenchError("PsycopgProbe needs ids_file")
        command = [
            sys.executable,
            "-m",
            "bench.pgload",
            f"--threads={self.threads}",
            f"--seconds={seconds}",
        ]
        env = {
            **os.environ,
            "BENCH_PG_CONNINFO": self.conninfo,
            "BENCH_PG_SQL": self.sql,
            "BENCH_PG_IDS": str(self.ids_file),
        }
        outputs = run_load_workers(
            command, env=env, processes=self.processes, seconds=seconds, what="psycopg load worker"
        )
        histogram = merged_histogram(outputs)
        queries = sum(o["queries"] for o in outputs)
        errors = sum(o["errors"] for o in outputs)
        if errors:
            raise BenchError(f"{errors} psycopg queries failed")
        if not queries:
            raise BenchError("the psycopg load completed no query")
        return Sample(
            requests_per_second=queries / seconds,
            p50_ms=percentile(histogram, 0.50) / 1000,
            p99_ms=percentile(histogram, 0.99) / 1000,
            requests=queries,
            cpu_ms_per_request=1000 * sum(o["cpu_seconds"] for o in outputs) / queries,
        )


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
