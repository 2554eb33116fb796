"""Explore (issue 6): the search API and autocomplete over a 250,000-listing bench catalogue.

The bench catalogue is a database of its own next to the default one (bench/search/catalogue.py:
built once, about 3 minutes, then reused). Each run draws the 300-query mix and 200 autocomplete
prefixes from it (bench/search/mix.py, seeded), runs every query through the engine in a Django
process on that database to capture the SQL it sends and EXPLAIN the slowest statements
(bench/search/capture.py), then measures one gunicorn server (4 sync workers, bench.search.settings,
DATABASE_URL = the bench catalogue, throttles out of the way):

- api_c1 / api_c16: GET /api/v1/search cycling through the mix with an API token. An
  authenticated search bypasses the anonymous cache, so every request runs the engine: the
  figures the targets are judged on (p50 <= 15 ms and p99 <= 60 ms at 1 connection). The
  1-connection cases time every request from Python (SequentialProbe); the 16-connection ones
  use wrk, whose latency percentiles include its coordinated-omission correction (load.py);
- sql_c1 / sql_c16: the captured statements of each search, in one transaction, straight through
  a psycopg pool (bench/search/replay.py); api_c16 / sql_c16 is the ratio (target >= 0.60);
- cached_c1 / cached_c16: the first 50 searches of the mix anonymously, fetched once just before
  each run so that every request is a cache hit (keyed by catalogue version, which nothing
  moves during the run; a page lives 120 s): what a repeated search costs;
- autocomplete_c1 / autocomplete_c16: GET /api/v1/autocomplete over the prefixes (target: p99
  <= 10 ms);
- worst_sql: the statements of the mix's slowest search, one at a time, against the engine's
  2,000 ms statement timeout.

Searches that the statement timeout cancels (503 over HTTP) are counted as the case's errors.
Before each run the section waits until no query runs on the bench database: gunicorn's sync
workers go on serving the requests queued when wrk stops, seconds of them at 16 connections.
After the runs the section prints the targets, met or missed, from the same samples.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from django.db import connection

from bench import wrk
from bench.measure import BenchError, Plan, Probe, Ratio, Sample
from bench.registry import Context, section
from bench.search import catalogue, mix
from bench.search.load import (
    MIN_SECONDS,
    TIMEOUT_STATUS,
    SearchWrkProbe,
    get_all,
    lua_cycle,
    settler,
)
from bench.search.replay import ReplayProbe, write_searches
from bench.sequential import SequentialProbe
from bench.server import LOG_DIR, gunicorn

WORKERS = 4
NO_THROTTLE = "10000000/min"
PLANS = LOG_DIR / "search-plans.txt"
CAPTURE = LOG_DIR / "search-capture.json"
STATEMENT_TIMEOUT_MS = 2_000  # outings/search/engine/__init__.py STATEMENT_TIMEOUT_MS
# The cached cases read this many searches of the mix, fetched once just before each run: the
# cache keeps a page at most 120 s (outings/search/cache.py SAFETY_TIMEOUT), less than a round
# of this section's cases, so a page filled once at the start would be gone by the second run.
CACHED_SEARCHES = 50

TARGET_P50_MS = 15.0
TARGET_P99_MS = 60.0
TARGET_RATIO = 0.60
TARGET_AUTOCOMPLETE_P99_MS = 10.0


def _say(message: str) -> None:
    print(f"bench | {message}", flush=True)


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _capture(server: catalogue.DatabaseServer, mix_file: Path) -> dict[str, Any]:
    _say("search: running the mix through the engine in-process (SQL capture, EXPLAIN)")
    done = subprocess.run(
        [sys.executable, "-m", "bench.search.capture", str(mix_file), str(CAPTURE), str(PLANS)],
        env=catalogue.django_env(server, DJANGO_SETTINGS_MODULE="bench.search.settings"),
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-25:])
        raise BenchError(f"capturing the search statements failed:\n{tail}")
    captured: dict[str, Any] = json.loads(CAPTURE.read_text())
    return captured


def _summarise(captured: dict[str, Any]) -> dict[str, Any]:
    """Print what the in-process pass saw; return the worst search."""
    searches: list[dict[str, Any]] = captured["queries"]
    times = [s["ms"] for s in searches]
    _say(
        f"search: engine.search in-process, warm, one at a time, {len(times)} queries: p50 "
        f"{_percentile(times, 0.5):.1f} ms, p90 {_percentile(times, 0.9):.1f}, p99 "
        f"{_percentile(times, 0.99):.1f}, max {max(times):.1f}"
    )
    by_kind: dict[str, list[float]] = defaultdict(list)
    for entry in searches:
        by_kind[entry["kind"]].append(entry["ms"])
    for kind, values in sorted(by_kind.items()):
        _say(
            f"search:   {kind:<11} {len(values):>3} queries: median "
            f"{statistics.median(values):7.1f} ms, max {max(values):7.1f} ms"
        )
    found = sum(1 for s in searches if s["hits"])
    corrected = sum(1 for s in searches if s["corrected"])
    _say(f"search:   {found} of {len(searches)} found something ({corrected} after a correction)")
    timed_out = [s for s in searches if s["timed_out"]]
    worst = max(searches, key=lambda s: s["ms"])
    _say(
        f"search: worst query {worst['ms']:,.0f} ms against the {STATEMENT_TIMEOUT_MS:,} ms "
        f"statement timeout ({worst['ms'] / STATEMENT_TIMEOUT_MS:.0%}): {worst['path']}"
    )
    if timed_out:
        _say(f"search: {len(timed_out)} queries of the mix ran into the statement timeout:")
        for entry in timed_out[:10]:
            _say(f"search:   {entry['path']}")
    prefixes = [p["ms"] for p in captured["autocomplete"]]
    empty = sum(1 for p in captured["autocomplete"] if not p["suggestions"])
    _say(
        f"search: autocomplete in-process, {len(prefixes)} prefixes: p50 "
        f"{_percentile(prefixes, 0.5):.1f} ms, p99 {_percentile(prefixes, 0.99):.1f}, max "
        f"{max(prefixes):.1f}; {empty} prefixes got no suggestion"
    )
    _say(f"search: the slowest statements, explained: {PLANS.relative_to(LOG_DIR.parent.parent)}")
    return worst


def _verdict(probes: dict[str, SearchWrkProbe | SequentialProbe | ReplayProbe], runs: int) -> None:
    """The targets, met or missed, from the measured runs (the warm-up left out)."""

    def spread(key: str, figure: Callable[[Sample], float]) -> tuple[float, float, float]:
        values = [figure(s) for s in probes[key].history[-runs:]]
        return statistics.median(values), min(values), max(values)

    def line(name: str, value: tuple[float, float, float], target: str, met: bool) -> None:
        median, low, high = value
        verdict = "met" if met else "MISSED"
        _say(
            f"search target {name:<40} {median:8.2f} ({low:.2f}–{high:.2f})  {target:<8} {verdict}"
        )

    p50 = spread("api_c1", lambda s: s.p50_ms)
    p99 = spread("api_c1", lambda s: s.p99_ms)
    api = spread("api_c16", lambda s: s.requests_per_second)
    sql = spread("sql_c16", lambda s: s.requests_per_second)
    ratio = (api[0] / sql[0], api[1] / sql[2], api[2] / sql[1])
    complete = spread("autocomplete_c1", lambda s: s.p99_ms)
    line("search p50 ms, 1 conn, no cache", p50, f"≤ {TARGET_P50_MS:g}", p50[0] <= TARGET_P50_MS)
    line("search p99 ms, 1 conn, no cache", p99, f"≤ {TARGET_P99_MS:g}", p99[0] <= TARGET_P99_MS)
    line(
        "search API / same SQL, 16 conns", ratio, f"≥ {TARGET_RATIO:.2f}", ratio[0] >= TARGET_RATIO
    )
    line(
        "autocomplete p99 ms, 1 conn",
        complete,
        f"≤ {TARGET_AUTOCOMPLETE_P99_MS:g}",
        complete[0] <= TARGET_AUTOCOMPLETE_P99_MS,
    )
    timeouts = {key: sum(s.errors for s in p.history[-runs:]) for key, p in probes.items()}
    if any(timeouts.values()):
        counted = ", ".join(f"{key} {n}" for key, n in timeouts.items() if n)
        _say(f"search: searches cancelled by the statement timeout (503) in the runs: {counted}")


@section(
    name="search",
    summary="explore search API, autocomplete and the same SQL, 250k-listing bench catalogue",
    order=40,
    requires=("baseline",),
)
def search(ctx: Context) -> Iterator[Plan]:
    executable = wrk.find()
    database = catalogue.DatabaseServer.from_settings(connection.settings_dict)
    connection.close()  # the runner's connection would only sit idle next to the servers' pools
    built = catalogue.ensure_catalogue(database, _say)
    _say(
        f"search: bench catalogue {catalogue.DATABASE}: {built.listings:,} listings, "
        f"{built.slots_ahead:,} slots in the next {catalogue.WINDOW_DAYS} days (built "
        f"{built.built_on})"
    )
    drawn = mix.draw(database.conninfo())
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="outings-bench-search-") as scratch:
        folder = Path(scratch)
        drawn.write(folder / "mix.json")
        captured = _capture(database, folder / "mix.json")
        worst = _summarise(captured)
        paths = [entry["path"] for entry in captured["queries"]]
        token_script = folder / "search-token.lua"
        token_script.write_text(lua_cycle(paths, token=captured["token"]))
        cached_paths = paths[:CACHED_SEARCHES]
        anonymous_script = folder / "search-anonymous.lua"
        anonymous_script.write_text(lua_cycle(cached_paths))
        prefixes = drawn.autocomplete_paths()
        completion_script = folder / "autocomplete.lua"
        completion_script.write_text(lua_cycle(prefixes))
        statements = write_searches(
            folder / "statements.json", [entry["statements"] for entry in captured["queries"]]
        )
        worst_statements = write_searches(folder / "worst.json", [worst["statements"]])
        env = catalogue.django_env(
            database, API_THROTTLE_ANON=NO_THROTTLE, API_THROTTLE_USER=NO_THROTTLE
        )
        probes: dict[str, SearchWrkProbe | SequentialProbe | ReplayProbe] = {}
        settle = settler(database.conninfo(), catalogue.DATABASE)
        with gunicorn(settings_module="bench.search.settings", workers=WORKERS, env=env) as server:

            def fill_cache() -> int:
                return get_all(server.host, server.port, cached_paths)

            def http_probe(
                key: str,
                label: str,
                conns: int,
                script: Path,
                paths: Sequence[str],
                token: str | None = None,
                cached: bool = False,
            ) -> Probe:
                probe: SearchWrkProbe | SequentialProbe
                if conns == 1:  # latency: every request timed (see bench/sequential.py)
                    probe = SequentialProbe(
                        key=key,
                        label=label,
                        concurrency=1,
                        host=server.host,
                        port=server.port,
                        paths=paths,
                        headers={"Authorization": f"Bearer {token}"} if token else {},
                        server_cpu=server.cpu_seconds,
                        settle=settle,
                        prime=fill_cache if cached else None,
                        counted_status=TIMEOUT_STATUS,
                        min_seconds=MIN_SECONDS,
                    )
                else:  # throughput: wrk
                    probe = SearchWrkProbe(
                        key=key,
                        label=label,
                        concurrency=conns,
                        url=server.url("/"),
                        executable=executable,
                        script=script,
                        server_cpu=server.cpu_seconds,
                        settle=settle,
                        prime=fill_cache if cached else None,
                    )
                probes[key] = probe
                return probe

            def sql_probe(
                key: str,
                label: str,
                processes: int,
                threads: int,
                file: Path,
                min_seconds: float = MIN_SECONDS,
            ) -> Probe:
                probe = ReplayProbe(
                    key=key,
                    label=label,
                    concurrency=processes * threads,
                    conninfo=database.conninfo(),
                    statements_file=file,
                    processes=processes,
                    threads=threads,
                    min_seconds=min_seconds,
                    settle=settle,
                )
                probes[key] = probe
                return probe

            uncached_label = "search, token (no cache)"
            cached_label = f"search, anonymous, warm cache ({CACHED_SEARCHES})"
            yield Plan(
                probes=[
                    http_probe("api_c1", uncached_label, 1, token_script, paths, captured["token"]),
                    http_probe("api_c16", uncached_label, 16, token_script, paths),
                    sql_probe("sql_c1", "same SQL, psycopg pool", 1, 1, statements),
                    sql_probe("sql_c16", "same SQL, psycopg pool", 2, 8, statements),
                    http_probe(
                        "cached_c1", cached_label, 1, anonymous_script, cached_paths, cached=True
                    ),
                    http_probe(
                        "cached_c16", cached_label, 16, anonymous_script, cached_paths, cached=True
                    ),
                    http_probe("autocomplete_c1", "autocomplete", 1, completion_script, prefixes),
                    http_probe("autocomplete_c16", "autocomplete", 16, completion_script, prefixes),
                    sql_probe(
                        "worst_sql",
                        f"worst query's SQL ({worst['ms']:,.0f} ms in-process)",
                        1,
                        1,
                        worst_statements,
                        # Room for a few of them in each run, however slow it is.
                        min_seconds=max(MIN_SECONDS, 5 * worst["ms"] / 1000),
                    ),
                ],
                ratios=[
                    Ratio(
                        label="search API (no cache) / same SQL through psycopg (16), target",
                        numerator="search.api_c16",
                        denominator="search.sql_c16",
                        reference=TARGET_RATIO,
                    ),
                    Ratio(
                        label="search API: warm cache / no cache (16)",
                        numerator="search.cached_c16",
                        denominator="search.api_c16",
                    ),
                    Ratio(
                        label="search API (no cache) / bare view (16)",
                        numerator="search.api_c16",
                        denominator="baseline.bare_c16",
                    ),
                    Ratio(
                        label="autocomplete / bare view (16)",
                        numerator="search.autocomplete_c16",
                        denominator="baseline.bare_c16",
                    ),
                    Ratio(
                        label="CPU per request: search API (no cache) / bare view",
                        numerator="search.api_c16",
                        denominator="baseline.bare_c16",
                        metric="cpu_ms",
                    ),
                ],
            )
        _verdict(probes, ctx.runs)
