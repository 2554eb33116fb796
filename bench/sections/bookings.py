"""Bookings (issue 7, "Speed"): holds and confirmations over HTTP, the same SQL through psycopg, and
the hot-slot rush.

A database of its own, `outings_bench_bookings`, next to the default one (created and migrated on
the first run), emptied and filled afresh on every run by bench/bookings/fixture.py: one published
listing that books at once, 1,000 dates of 1,000 seats, 30 dates of 10 seats for the rushes,
guests with API tokens. One gunicorn server (bench.bookings.settings: bench.settings on that
database; 4 sync workers; throttles out of the way; with REDIS_URL, the broker is that Redis under
a key prefix of its own, deleted afterwards). Cases:

- hold_c32: POST /api/v1/bookings (1 seat, a random one of the 1,000 dates, a new
  Idempotency-Key), 32 clients (2 processes x 16 threads, each thread its own guest) in a loop;
- hold_confirm_c32: the same hold, then POST /api/v1/bookings/<reference>/confirm. req/s counts
  confirmed holds (one = the two requests); p50/p99 are per HTTP request, either kind. The
  per-kind and per-cycle figures are printed after the runs;
- sql_c32: hold_seats' own transaction (the slot read, the conditional UPDATE, the booking, its
  event and its outbox row), captured in-process and replayed straight through a psycopg pool set
  up as Django's, on a random date with a new reference, at the same 32;
- rush_200: 200 guests POST a 1-seat booking on a fresh 10-seat date at the same instant, once
  per run (latency counted from that instant); every rush must end 10 x 201, 190 x 409
  slot_full, and seats_taken = 10 = the seats booked.

After the runs, while the server still runs, the peak RSS (VmHWM) of each web worker; then the
targets (>= 300 confirmed holds/s with p99 <= 150 ms at 32 connections; rush p99 <= 1 s), met or
MISSED, from the same samples.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psycopg
import redis
from django.db import connection
from psycopg import sql

from bench.bookings.plan import BROKER_KEY_PREFIX, Plan, read_plan
from bench.bookings.probes import Latency, LoadProbe, LoadRun, RushProbe, process_group_memory
from bench.measure import BenchError, Ratio
from bench.measure import Plan as BenchPlan
from bench.registry import Context, section
from bench.search.catalogue import DatabaseServer
from bench.server import LOG_DIR, ROOT, gunicorn

DATABASE = "outings_bench_bookings"
# gunicorn sync workers; BENCH_BOOKINGS_WORKERS tries another number (docs/benchmarks.md).
WORKERS = int(os.environ.get("BENCH_BOOKINGS_WORKERS", "4"))
PROCESSES, THREADS = 2, 16  # 32 clients
RUSH_PROCESSES, RUSH_THREADS = 2, 100  # 200 guests
NO_THROTTLE = "100000000/min"

TARGET_CONFIRMED_PER_S = 300.0
TARGET_P99_MS = 150.0
TARGET_RUSH_P99_MS = 1000.0


def _say(message: str) -> None:
    print(f"bench | {message}", flush=True)


def _django_env(database: DatabaseServer, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database.url(DATABASE),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
        **extra,
    }


def _ensure_database(database: DatabaseServer) -> None:
    """Create the bench's database when missing, and bring its schema up to date."""
    maintenance = database.default_database if database.default_database != DATABASE else "postgres"
    with psycopg.connect(database.conninfo(maintenance), autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if found.fetchone() is None:
            _say(f"bookings: creating database {DATABASE}")
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    _run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        env=_django_env(database, DJANGO_SETTINGS_MODULE="config.settings"),
        what=f"migrating {DATABASE}",
    )


def _run(command: Sequence[str], *, env: dict[str, str], what: str) -> None:
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=1800
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise BenchError(f"{what} failed:\n{tail}")


def _forget_broker_keys() -> None:
    """The nudges the bench server left in Redis (nobody consumes them during the bench)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{BROKER_KEY_PREFIX}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _spread(values: Sequence[float]) -> str:
    return f"{statistics.median(values):8.1f} ({min(values):.1f}–{max(values):.1f})"


def _verdict(probes: dict[str, LoadProbe | RushProbe], runs: int) -> None:
    def last(key: str) -> list[LoadRun]:
        return probes[key].history[-runs:]

    def line(name: str, values: Sequence[float], target: str, met: bool) -> None:
        verdict = "met" if met else "MISSED"
        _say(f"bookings target {name:<44} {_spread(values)}  {target:<8} {verdict}")

    cycles = last("hold_confirm_c32")
    confirmed = [run.sample.requests_per_second for run in cycles]
    p99 = [run.sample.p99_ms for run in cycles]
    rush = [run.sample.p99_ms for run in last("rush_200")]
    line(
        "confirmed holds/s, 32 conns",
        confirmed,
        f"≥ {TARGET_CONFIRMED_PER_S:g}",
        statistics.median(confirmed) >= TARGET_CONFIRMED_PER_S,
    )
    line(
        "p99 ms per request (hold or confirm), 32 conns",
        p99,
        f"≤ {TARGET_P99_MS:g}",
        statistics.median(p99) <= TARGET_P99_MS,
    )
    line(
        "rush of 200 on 10 seats, p99 ms",
        rush,
        f"≤ {TARGET_RUSH_P99_MS:g}",
        statistics.median(rush) <= TARGET_RUSH_P99_MS,
    )
    kinds: list[tuple[str, Callable[[LoadRun], Latency | None]]] = [
        ("hold request (of a confirmed hold)", lambda run: run.hold),
        ("confirm request", lambda run: run.confirm),
        ("whole cycle: hold + confirm", lambda run: run.unit),
    ]
    for label, pick in kinds:
        figures = [figure for run in cycles if (figure := pick(run)) is not None]
        if figures:
            p50s, p99s = [f.p50_ms for f in figures], [f.p99_ms for f in figures]
            _say(f"bookings: 32 conns, {label:<36} p50 {_spread(p50s)} ms  p99 {_spread(p99s)} ms")
    holds = last("hold_c32")
    if holds:
        _say(
            "bookings: 32 conns, holds alone (no confirm): "
            f"{_spread([run.sample.requests_per_second for run in holds])} holds/s"
        )
    outcomes = {tuple(sorted(run.statuses.items())) for run in last("rush_200")}
    _say(f"bookings: rush outcomes (every run, checked in the database too): {outcomes}")


def _report_memory(pgid: int) -> None:
    """Peak and current resident memory of the server's processes (VmHWM, VmRSS), in MB."""
    memory = process_group_memory(pgid)
    master = memory.pop(pgid, {})
    if not memory:
        _say("bookings: web worker memory not read (no worker found)")
        return

    def mb(field: str) -> list[float]:
        return sorted(entry.get(field, 0) / 1024 for entry in memory.values())

    peaks, now = mb("VmHWM"), mb("VmRSS")
    _say(
        f"bookings: web workers' peak RSS (VmHWM) max {max(peaks):.0f} MB; each "
        f"{', '.join(f'{p:.0f}' for p in peaks)} MB (RSS now {', '.join(f'{n:.0f}' for n in now)}"
        f" MB); gunicorn master {master.get('VmHWM', 0) / 1024:.0f} MB"
    )


@section(
    name="bookings",
    summary="holds and confirmations over HTTP vs hold_seats' SQL through psycopg, hot-slot rush",
    order=30,
    requires=("baseline",),
)
def bookings(ctx: Context) -> Iterator[BenchPlan]:
    database = DatabaseServer.from_settings(connection.settings_dict)
    connection.close()  # the runner's connection would only sit idle next to the server's pool
    _ensure_database(database)
    profile = "services (Redis broker, cache)" if os.environ.get("REDIS_URL") else "embedded"
    with tempfile.TemporaryDirectory(prefix="outings-bench-bookings-") as scratch:
        plan_file = Path(scratch) / "plan.json"
        _run(
            [sys.executable, "-m", "bench.bookings.fixture", str(plan_file)],
            env=_django_env(database, DJANGO_SETTINGS_MODULE="bench.bookings.settings"),
            what="making the bookings bench data",
        )
        plan: Plan = read_plan(plan_file)
        _say(
            f"bookings: {DATABASE} ({profile} profile): {len(plan['slot_ids']):,} dates, "
            f"{len(plan['tokens'])} load guests, {len(plan['rush_tokens'])} rush guests; an HTTP "
            f"hold sends {plan['statements_per_request']['hold']} statements, a confirm "
            f"{plan['statements_per_request']['confirm']}, hold_seats' transaction "
            f"{len(plan['hold_transaction'])}"
        )
        env = _django_env(
            database,
            API_THROTTLE_ANON=NO_THROTTLE,
            API_THROTTLE_USER=NO_THROTTLE,
            CACHE_KEY_PREFIX="outings-bench-bookings",
        )
        try:
            with gunicorn(
                settings_module="bench.bookings.settings", workers=WORKERS, env=env
            ) as server:
                load_env = {
                    "BENCH_BOOKINGS_PLAN": str(plan_file),
                    "BENCH_BOOKINGS_SERVER": f"{server.host}:{server.port}",
                    "BENCH_BOOKINGS_CONNINFO": database.conninfo(DATABASE),
                }
                probes: dict[str, LoadProbe | RushProbe] = {
                    "hold_c32": LoadProbe(
                        key="hold_c32",
                        label="hold (POST /bookings)",
                        concurrency=PROCESSES * THREADS,
                        mode="hold",
                        processes=PROCESSES,
                        threads=THREADS,
                        env=load_env,
                        server_cpu=server.cpu_seconds,
                    ),
                    "hold_confirm_c32": LoadProbe(
                        key="hold_confirm_c32",
                        label="confirmed hold (hold + confirm)",
                        concurrency=PROCESSES * THREADS,
                        mode="hold_confirm",
                        processes=PROCESSES,
                        threads=THREADS,
                        env=load_env,
                        server_cpu=server.cpu_seconds,
                    ),
                    "sql_c32": LoadProbe(
                        key="sql_c32",
                        label="hold_seats' SQL, psycopg pool",
                        concurrency=PROCESSES * THREADS,
                        mode="sql",
                        processes=PROCESSES,
                        threads=THREADS,
                        env=load_env,
                    ),
                    "rush_200": RushProbe(
                        key="rush_200",
                        label="rush: 200 at once on 10 seats",
                        concurrency=RUSH_PROCESSES * RUSH_THREADS,
                        slots=list(plan["rush_slot_ids"]),
                        capacity=plan["rush_capacity"],
                        processes=RUSH_PROCESSES,
                        threads=RUSH_THREADS,
                        env=load_env,
                        conninfo=database.conninfo(DATABASE),
                    ),
                }
                yield BenchPlan(
                    probes=list(probes.values()),
                    ratios=_ratios(),
                )
                _report_memory(server.pid)
        finally:
            _forget_broker_keys()
    _verdict(probes, ctx.runs)
    _say(f"bookings: server log: {(LOG_DIR / 'gunicorn-bench.bookings.settings.log')}")


def _ratios() -> list[Ratio]:
    return [
        Ratio(
            label="holds over HTTP / hold_seats' SQL through psycopg (32)",
            numerator="bookings.hold_c32",
            denominator="bookings.sql_c32",
        ),
        Ratio(
            label="confirmed holds over HTTP / hold_seats' SQL through psycopg (32)",
            numerator="bookings.hold_confirm_c32",
            denominator="bookings.sql_c32",
        ),
        Ratio(
            label="confirmed holds / holds alone, HTTP (32)",
            numerator="bookings.hold_confirm_c32",
            denominator="bookings.hold_c32",
        ),
        Ratio(
            label="CPU per request: hold (server) / bare view",
            numerator="bookings.hold_c32",
            denominator="baseline.bare_c16",
            metric="cpu_ms",
        ),
        Ratio(
            label="CPU: confirmed hold, 2 requests (server) / hold",
            numerator="bookings.hold_confirm_c32",
            denominator="bookings.hold_c32",
            metric="cpu_ms",
        ),
        Ratio(
            label="CPU per transaction: hold over HTTP (server) / psycopg (client)",
            numerator="bookings.hold_c32",
            denominator="bookings.sql_c32",
            metric="cpu_ms",
        ),
    ]
