"""The public API (issue 3, "Speed"): what django-ninja and the API layer cost over their queries.

One gunicorn server (WSGI, 4 sync workers, bench.settings, throttles out of the way), anonymous
GETs, served warm, at 1 and at 16 connections:

- detail_c1 / detail_c16: GET /api/v1/listings/<id> over random published listings (the bench
  fixture's listings are drafts and would 404: the ids come from Listing.objects.public());
- page_c1 / page_c16: GET /api/v1/listings?limit=20, the first page of 20;
- detail_sql_c1 / detail_sql_c16 / page_sql_c1 / page_sql_c16: the statements each endpoint
  sends, captured by calling it once in-process (django.test.Client inside
  connection.execute_wrapper), replayed straight through a psycopg pool (1 process x 1 thread, or
  2 processes x 8 threads): per request one pool checkout, every statement in order, every row
  fetched, the detail's id as a parameter;
- bare_c1: the bench's bare Django view (/bench/hello, no query) on the same server: the floor
  that HTTP, gunicorn and Django's middleware put under any request at 1 connection.

The 1-connection HTTP cases time every request from Python, one at a time
(bench.sequential.SequentialProbe): wrk's coordinated-omission correction invents latencies at 1
connection.

The ratios give API / its queries in req/s. The target is about latency: the API layer adds less
than 1 ms per request at p50 over its queries. A difference is not a ratio, so the section prints
it after the runs (API p50 - queries p50, medians of the runs, with the range of the per-run
differences). At 1 connection a p50 is a request's service time; at 16 connections on this
2-core machine it is mostly queueing (p50 ~ 16 / throughput), so the 16-connection difference is
printed too but labelled as including queueing: the target is judged at 1 connection.

The replay worker lives here too (`python -m bench.sections.api --threads N --seconds S`); it
imports no Django, hence the imports inside the section body.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypedDict

from psycopg_pool import ConnectionPool

from bench import wrk
from bench.measure import BenchError, Plan, Ratio, Sample
from bench.pgload import Pick, Unit, WorkerProbe, worker_main
from bench.registry import Context, section
from bench.sequential import SequentialProbe

ROOT = Path(__file__).resolve().parent.parent.parent
WORKERS = 4
NO_THROTTLE = "100000000/min"
DETAIL_PREFIX = "/api/v1/listings/"
PAGE_PATH = "/api/v1/listings?limit=20"
BARE_PATH = "/bench/hello"
WANTED_IDS = 10_000
FEW_IDS = 100
TARGET_ADDED_P50_MS = 1.0


def _say(message: str) -> None:
    print(f"bench | {message}", flush=True)


# --- what an endpoint sends ----------------------------------------------------------------------


class Statement(TypedDict):
    sql: str
    params: list[Any]
    # Positions in params that take the request's id (the detail's listing id).
    id_at: list[int]


def _jsonable(value: object) -> object:
    """A parameter as JSON: str subclasses (TextChoices) become plain str; others must be plain."""
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return str.__str__(value)
    raise BenchError(f"cannot replay a parameter of type {type(value).__name__}: {value!r}")


def capture(path: str, *, request_id: int | None = None) -> list[Statement]:
    """Call `path` once in-process (django.test.Client) and return the statements it sent; the
    parameters equal to `request_id` are marked as the id's places."""
    from django.db import connection
    from django.test import Client, override_settings

    sent: list[Statement] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if many:
            raise BenchError(f"{path} sent an executemany; the replay does not do those")
        values = [_jsonable(p) for p in (params or ())]
        id_at = [
            i
            for i, p in enumerate(values)
            if request_id is not None and type(p) is int and p == request_id
        ]
        sent.append({"sql": sql, "params": values, "id_at": id_at})
        return execute(sql, params, many, context)

    # Throttles out of the way, as in the server: the runner's own rate (120/min by default)
    # counts in the shared Redis per IP and minute, so anything else on 127.0.0.1 calling the API
    # in the same minute (another bench, a profiler) would turn this call into a 429.
    rates = {"anon": NO_THROTTLE, "user": NO_THROTTLE}
    with override_settings(API_THROTTLE_RATES=rates), connection.execute_wrapper(record):
        response = Client().get(path)
    if response.status_code != 200:
        raise BenchError(f"GET {path} in-process answered {response.status_code}")
    if not sent:
        raise BenchError(f"GET {path} sent no SQL: nothing to compare it with")
    if request_id is not None and not any(s["id_at"] for s in sent):
        raise BenchError(f"GET {path}: no statement takes the id {request_id} as a parameter")
    return sent


def lua_random_path(prefix: str, ids: Sequence[int], suffix: str = "") -> str:
    """A wrk script that asks for <prefix><one of ids><suffix>, each thread with its own seed."""
    return "\n".join(
        [
            "-- generated by bench/sections/api.py",
            "local ids = {" + ",".join(str(i) for i in ids) + "}",
            "local threads = 0",
            "function setup(thread)",
            "  threads = threads + 1",
            "  thread:set('seed', threads)",
            "end",
            "function init(args)",
            "  math.randomseed(os.time() * 1000 + (seed or 0))",
            "end",
            "function request()",
            f"  return wrk.format('GET', '{prefix}' .. ids[math.random(#ids)] .. '{suffix}')",
            "end",
            "",
        ]
    )


# --- the replay worker process -------------------------------------------------------------------


def _replayed_request() -> Unit:
    """One request's worth of SQL: a pool checkout, the endpoint's statements in order with a
    random id where the capture found the request's id, every row fetched."""
    plan = json.loads(Path(os.environ["BENCH_API_STATEMENTS"]).read_text())
    statements: list[Statement] = plan["statements"]
    ids: list[int] = plan["ids"] or [0]

    def unit(pool: ConnectionPool, pick: Pick) -> None:
        request_id = pick(ids)
        with pool.connection() as connection:
            for statement in statements:
                params = list(statement["params"])
                for i in statement["id_at"]:
                    params[i] = request_id
                connection.execute(statement["sql"], params).fetchall()

    return unit


# --- the probes, in the runner's process ---------------------------------------------------------


@dataclass
class ApiWrkProbe(wrk.WrkProbe):
    """WrkProbe that keeps its samples, for the section's summary after the runs."""

    history: list[Sample] = field(default_factory=list)

    def run(self, seconds: float) -> Sample:
        sample = super().run(seconds)
        self.history.append(sample)
        return sample


@dataclass
class ReplayProbe(WorkerProbe):
    """`processes * threads` concurrent requests' worth of SQL: per request a pool checkout and
    the endpoint's statements in order, all rows fetched. A "request" here is one replay."""

    statements_file: Path | None = None

    module: ClassVar[str] = "bench.sections.api"
    units: ClassVar[str] = "replayed requests"

    def worker_env(self) -> dict[str, str]:
        if self.statements_file is None:
            raise BenchError("ReplayProbe needs statements_file")
        return {"BENCH_API_STATEMENTS": str(self.statements_file)}


def _added_latency(
    name: str, api: ApiWrkProbe | SequentialProbe, sql: ReplayProbe, runs: int
) -> None:
    """API p50 - queries p50: the medians' difference, the per-run differences' range."""
    api_p50 = [s.p50_ms for s in api.history[-runs:]]
    sql_p50 = [s.p50_ms for s in sql.history[-runs:]]
    if not api_p50 or len(api_p50) != len(sql_p50):
        _say(f"api: {name}: added latency not computed (runs missing)")
        return
    added = statistics.median(api_p50) - statistics.median(sql_p50)
    per_run = [a - s for a, s in zip(api_p50, sql_p50, strict=True)]
    verdict = "met" if added < TARGET_ADDED_P50_MS else "MISSED"
    _say(
        f"api target {name:<40} added p50 {added:6.2f} ms ({min(per_run):.2f}–{max(per_run):.2f})"
        f"  API {statistics.median(api_p50):.2f} − queries {statistics.median(sql_p50):.2f}"
        f"  < {TARGET_ADDED_P50_MS:g} ms {verdict}"
    )


@section(
    name="api",
    summary="API listing detail and page of 20 vs the same SQL through psycopg (1 and 16 conns)",
    order=20,
    requires=("baseline",),
)
def api(ctx: Context) -> Iterator[Plan]:
    from django.db import connection

    from bench import fixtures
    from bench.sections.baseline import conninfo
    from bench.server import gunicorn
    from outings.catalog.models import Listing

    executable = wrk.find()
    fixtures.ensure_schema()
    ids = list(Listing.objects.public().order_by("?").values_list("pk", flat=True)[:WANTED_IDS])
    if not ids:
        raise BenchError("no published listing in the catalogue: the detail has nothing to serve")
    if len(ids) < FEW_IDS:
        _say(f"api: only {len(ids)} published listings (fewer than {FEW_IDS}); using those")
    else:
        _say(f"api: detail over {len(ids):,} random published listings")
    detail_sql = capture(f"{DETAIL_PREFIX}{ids[0]}", request_id=ids[0])
    page_sql = capture(PAGE_PATH)
    _say(
        f"api: captured {len(detail_sql)} statement(s) for the detail, {len(page_sql)} for "
        "the page of 20"
    )
    dsn = conninfo()
    connection.close()  # the runner's connection would only sit idle next to the servers' pools
    env = {"API_THROTTLE_ANON": NO_THROTTLE, "API_THROTTLE_USER": NO_THROTTLE}
    with tempfile.TemporaryDirectory(prefix="outings-bench-api-") as scratch:
        folder = Path(scratch)
        script = folder / "random-detail.lua"
        script.write_text(lua_random_path(DETAIL_PREFIX, ids))
        detail_file = folder / "detail.json"
        detail_file.write_text(json.dumps({"statements": detail_sql, "ids": ids}))
        page_file = folder / "page.json"
        page_file.write_text(json.dumps({"statements": page_sql, "ids": []}))
        with gunicorn(settings_module="bench.settings", workers=WORKERS, env=env) as server:

            def one_at_a_time(key: str, label: str, paths: Sequence[str]) -> SequentialProbe:
                return SequentialProbe(
                    key=key,
                    label=label,
                    concurrency=1,
                    host=server.host,
                    port=server.port,
                    paths=paths,
                    server_cpu=server.cpu_seconds,
                )

            def replay(
                key: str, label: str, file: Path, processes: int, threads: int
            ) -> ReplayProbe:
                return ReplayProbe(
                    key=key,
                    label=label,
                    concurrency=processes * threads,
                    conninfo=dsn,
                    statements_file=file,
                    processes=processes,
                    threads=threads,
                )

            detail_paths = [f"{DETAIL_PREFIX}{i}" for i in ids]
            detail_c1 = one_at_a_time("detail_c1", "API listing detail", detail_paths)
            page_c1 = one_at_a_time("page_c1", "API listings, page of 20", [PAGE_PATH])
            bare_c1 = one_at_a_time("bare_c1", "bare Django view (no query)", [BARE_PATH])
            detail_sql_c1 = replay("detail_sql_c1", "detail's SQL, psycopg pool", detail_file, 1, 1)
            page_sql_c1 = replay("page_sql_c1", "page's SQL, psycopg pool", page_file, 1, 1)
            detail = ApiWrkProbe(
                key="detail_c16",
                label="API listing detail",
                concurrency=16,
                url=server.url("/"),
                executable=executable,
                script=script,
                server_cpu=server.cpu_seconds,
            )
            page = ApiWrkProbe(
                key="page_c16",
                label="API listings, page of 20",
                concurrency=16,
                url=server.url(PAGE_PATH),
                executable=executable,
                server_cpu=server.cpu_seconds,
            )
            detail_sql_probe = replay(
                "detail_sql_c16", "detail's SQL, psycopg pool", detail_file, 2, 8
            )
            page_sql_probe = replay("page_sql_c16", "page's SQL, psycopg pool", page_file, 2, 8)
            yield Plan(
                probes=[
                    bare_c1,
                    detail_c1,
                    detail_sql_c1,
                    page_c1,
                    page_sql_c1,
                    detail,
                    detail_sql_probe,
                    page,
                    page_sql_probe,
                ],
                ratios=[
                    Ratio(
                        label="CPU per request: API detail / bare view (1)",
                        numerator="api.detail_c1",
                        denominator="api.bare_c1",
                        metric="cpu_ms",
                    ),
                    Ratio(
                        label="CPU per request: API page of 20 / bare view (1)",
                        numerator="api.page_c1",
                        denominator="api.bare_c1",
                        metric="cpu_ms",
                    ),
                    Ratio(
                        label="API detail / its SQL through psycopg (16)",
                        numerator="api.detail_c16",
                        denominator="api.detail_sql_c16",
                    ),
                    Ratio(
                        label="API page of 20 / its SQL through psycopg (16)",
                        numerator="api.page_c16",
                        denominator="api.page_sql_c16",
                    ),
                    Ratio(
                        label="API detail / ORM pk lookup view (16)",
                        numerator="api.detail_c16",
                        denominator="baseline.orm_c16",
                    ),
                    Ratio(
                        label="CPU per request: API detail / ORM pk lookup view",
                        numerator="api.detail_c16",
                        denominator="baseline.orm_c16",
                        metric="cpu_ms",
                    ),
                    Ratio(
                        label="CPU per request: API page of 20 / API detail",
                        numerator="api.page_c16",
                        denominator="api.detail_c16",
                        metric="cpu_ms",
                    ),
                ],
            )
    bare_p50 = [s.p50_ms for s in bare_c1.history[-ctx.runs :]]
    if bare_p50:
        _say(
            f"api: bare Django view, 1 conn: p50 {statistics.median(bare_p50):.2f} ms (HTTP, "
            "gunicorn and middleware with no query: part of what the API adds at 1 conn)"
        )
    _added_latency("detail, 1 conn", detail_c1, detail_sql_c1, ctx.runs)
    _added_latency("page of 20, 1 conn", page_c1, page_sql_c1, ctx.runs)
    _added_latency("detail, 16 conns (includes queueing)", detail, detail_sql_probe, ctx.runs)
    _added_latency("page of 20, 16 conns (includes queueing)", page, page_sql_probe, ctx.runs)


def main(argv: Sequence[str] | None = None) -> int:
    return worker_main(
        argv, prog="python -m bench.sections.api", description=__doc__, unit=_replayed_request
    )


if __name__ == "__main__":
    sys.exit(main())
