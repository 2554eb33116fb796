"""The captured search statements straight through psycopg: what the database alone can serve.

Like bench/pgload.py (same pool set-up as Django's, same counted window agreed with the runner,
same merged latency histograms), but a unit of work is one search: its statements, as captured
from the engine, in one transaction (BEGIN, SET LOCAL statement_timeout, the rate, the hits, the
next slots, the facets, COMMIT), each result fetched. Each thread picks searches of the mix at
random. A search cancelled by its statement timeout counts (its time included) and is reported
as an error of the case, as the HTTP cases report the 503 it becomes there; any other database
error fails the run. Run as `python -m bench.search.replay --threads N --seconds S` by
ReplayProbe.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import psycopg
from psycopg_pool import ConnectionPool, PoolClosed

from bench.measure import BenchError, Probe, Sample
from bench.pgload import (
    WorkerReport,
    bucket_of,
    django_like_pool,
    merged_histogram,
    percentile,
    run_load_workers,
)
from bench.search.load import MIN_SECONDS

ROOT = Path(__file__).resolve().parent.parent.parent
Search = list[bytes]


@dataclass
class _Shared:
    bounds: tuple[float, float] | None = None


@dataclass
class _Tally:
    timeouts: int = 0  # searches the engine's statement timeout cancelled: counted, not fatal
    failures: list[str] = field(default_factory=list)


class ReplayReport(WorkerReport):
    timeouts: int


def _search(pool: ConnectionPool, search: Search) -> None:
    with pool.connection() as connection, connection.transaction():
        for statement in search:
            cursor = connection.execute(statement)
            if cursor.description is not None:
                cursor.fetchall()


def _hammer(
    pool: ConnectionPool,
    searches: Sequence[Search],
    shared: _Shared,
    latencies: list[float],
    tally: _Tally,
) -> None:
    pick = random.Random().choice
    while True:
        began = time.perf_counter()
        bounds = shared.bounds
        if bounds is not None and began >= bounds[1]:
            return
        counted = bounds is not None and bounds[0] <= began
        try:
            _search(pool, pick(searches))
        except PoolClosed:
            return
        except psycopg.errors.QueryCanceled:
            tally.timeouts += counted
        except psycopg.Error as error:
            tally.failures.append(str(error).strip())
            continue
        finished = time.perf_counter()
        if counted and bounds is not None and finished <= bounds[1]:
            latencies.append((finished - began) * 1e6)


def _work(*, threads: int, seconds: float) -> ReplayReport:
    document = json.loads(Path(os.environ["BENCH_SEARCH_STATEMENTS"]).read_text())
    searches = [[statement.encode() for statement in search] for search in document]
    pool = django_like_pool(os.environ["BENCH_PG_CONNINFO"], threads)
    with pool:
        pool.wait(timeout=30)
        shared = _Shared()
        per_thread: list[tuple[list[float], _Tally]] = [([], _Tally()) for _ in range(threads)]
        workers = [
            threading.Thread(
                target=_hammer, args=(pool, searches, shared, latencies, tally), daemon=True
            )
            for latencies, tally in per_thread
        ]
        for worker in workers:
            worker.start()
        print("ready", flush=True)
        line = sys.stdin.readline().strip()
        start_at = float(line) if line else time.time() - seconds
        offset = time.perf_counter() - time.time()
        shared.bounds = (start_at + offset, start_at + seconds + offset)
        time.sleep(max(0.0, shared.bounds[0] - time.perf_counter()))
        cpu_at_start = time.process_time()
        time.sleep(max(0.0, shared.bounds[1] - time.perf_counter()))
        cpu_seconds = time.process_time() - cpu_at_start
        for worker in workers:
            worker.join()
    histogram: Counter[int] = Counter()
    for latencies, _tally in per_thread:
        histogram.update(bucket_of(us) for us in latencies)
    failures = [message for _latencies, tally in per_thread for message in tally.failures]
    if failures:
        print(f"first failure: {failures[0]}", file=sys.stderr, flush=True)
    return {
        "queries": sum(len(latencies) for latencies, _ in per_thread),
        "errors": len(failures),
        "timeouts": sum(tally.timeouts for _, tally in per_thread),
        "cpu_seconds": cpu_seconds,
        "histogram": {str(bucket): count for bucket, count in histogram.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search.replay", description=__doc__)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args(argv)
    try:
        report = _work(threads=args.threads, seconds=args.seconds)
    except KeyboardInterrupt:
        return 130
    print(json.dumps(report), flush=True)
    return 0


def write_searches(path: Path, searches: Sequence[Sequence[str]]) -> Path:
    """The statement file a ReplayProbe reads: one list of SQL statements per search."""
    path.write_text(json.dumps([list(search) for search in searches], ensure_ascii=False))
    return path


@dataclass
class ReplayProbe(Probe):
    """`processes * threads` searches in flight, each a pool checkout and one transaction.
    Keeps its samples (`history`, the warm-up first) for the section's targets."""

    conninfo: str = ""
    statements_file: Path | None = None
    processes: int = 2
    threads: int = 8
    # At least this long per run: a search slower than a fifth of it would rarely fit in one.
    min_seconds: float = MIN_SECONDS
    history: list[Sample] = field(default_factory=list)
    settle: Callable[[], None] | None = None  # runs before each run, uncounted

    @property
    def tool(self) -> str:
        return f"psycopg {self.processes}x{self.threads}"

    def __post_init__(self) -> None:
        if self.processes * self.threads != self.concurrency:
            raise ValueError("processes * threads must equal concurrency")

    def run(self, seconds: float) -> Sample:
        if self.statements_file is None:
            raise BenchError("ReplayProbe needs statements_file")
        seconds = max(self.min_seconds, seconds)
        if self.settle is not None:
            self.settle()
        command = [
            sys.executable,
            "-m",
            "bench.search.replay",
            f"--threads={self.threads}",
            f"--seconds={seconds}",
        ]
        env = {
            **os.environ,
            "BENCH_PG_CONNINFO": self.conninfo,
            "BENCH_SEARCH_STATEMENTS": str(self.statements_file),
        }
        outputs = cast(
            list[ReplayReport],
            run_load_workers(
                command,
                env=env,
                processes=self.processes,
                seconds=seconds,
                what="search replay worker",
                grace=120,
            ),
        )
        if failed := sum(o["errors"] for o in outputs):
            raise BenchError(f"{failed} replayed searches failed")
        histogram = merged_histogram(outputs)
        searches = sum(o["queries"] for o in outputs)
        if not searches:
            raise BenchError("the search replay completed no search")
        sample = Sample(
            requests_per_second=searches / seconds,
            p50_ms=percentile(histogram, 0.50) / 1000,
            p99_ms=percentile(histogram, 0.99) / 1000,
            requests=searches,
            errors=sum(o["timeouts"] for o in outputs),
            cpu_ms_per_request=1000 * sum(o["cpu_seconds"] for o in outputs) / searches,
        )
        self.history.append(sample)
        return sample


if __name__ == "__main__":
    sys.exit(main())
