"""`python -m bench.search.capture MIX OUT PLANS`: the mix through the engine, in-process.

Runs in a Django process whose DATABASE_URL is the bench catalogue (bench/sections/search.py
starts it). For each query of the mix: parse its API parameters as the API does, call
`engine.search` twice (the second call, warm, is the one kept), and record through
`connection.execute_wrapper` every statement it sends, as the literal SQL that psycopg's
client-side binding puts on the wire, with its time. The same for each autocomplete prefix.
Then EXPLAIN (ANALYZE, BUFFERS) the slowest statements into PLANS, and issue the API token that
the uncached HTTP cases send (an authenticated search bypasses the anonymous cache).

OUT is JSON: {"token", "queries": [...], "autocomplete": [...]}, each entry with its path or
prefix, time (ms), statements and their times.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MULTI = {"category", "language", "city"}
EXPLAINED_SEARCHES = 5
EXPLAINED_PREFIXES = 2
EXPLAIN_TIMEOUT_MS = 60_000
BENCH_USERNAME = "bench-search"


@dataclass
class _Recorder:
    statements: list[tuple[str, Any]] = field(default_factory=list)
    times_ms: list[float] = field(default_factory=list)

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times_ms.append((time.perf_counter() - began) * 1000)
            self.statements.append((sql, params))


@contextmanager
def _recording() -> Iterator[_Recorder]:
    from django.db import connection

    recorder = _Recorder()
    with connection.execute_wrapper(recorder):
        yield recorder


def _literal(sql: str, params: Any) -> str:
    """The statement as psycopg's client-side binding sends it (what Django sends)."""
    from django.db import connection
    from psycopg import ClientCursor

    if params is None:
        return sql
    connection.ensure_connection()
    with ClientCursor(connection.connection) as cursor:
        return cursor.mogrify(sql, params)


def _token() -> str:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from outings.accounts import services
    from outings.accounts.models import ApiToken, User

    with transaction.atomic():
        user, _ = User.objects.get_or_create(
            username=BENCH_USERNAME,
            defaults={"email": "bench-search@outings.localhost", "password": make_password(None)},
        )
        ApiToken.objects.filter(user=user).delete()
        return services.create_api_token(user=user, name="make bench (search)").secret


def _timed(call: Callable[[], Any]) -> tuple[float, _Recorder, Any]:
    """Call twice and keep the second (warm) call's time, statements and result; re-raise a
    SearchTimeout with the statements that led to it."""
    for attempt in (1, 2):
        with _recording() as recorder:
            began = time.perf_counter()
            try:
                result = call()
            except Exception as error:
                raise _Failed(recorder) from error
            elapsed = (time.perf_counter() - began) * 1000
        if attempt == 2:
            return elapsed, recorder, result
    raise AssertionError("unreachable")


class _Failed(Exception):
    def __init__(self, recorder: _Recorder) -> None:
        super().__init__("the call failed")
        self.recorder = recorder


def _search_entry(entry: dict[str, Any]) -> dict[str, Any]:
    from urllib.parse import urlencode

    from outings.api.routes.search import SearchParams, to_query
    from outings.search import engine

    params: dict[str, Any] = {}
    for name, value in entry["params"]:
        if name in MULTI:
            params.setdefault(name, []).append(value)
        else:
            params[name] = value
    query = to_query(SearchParams.model_validate(params))
    timed_out = False
    try:
        elapsed, recorder, page = _timed(lambda: engine.search(query))
    except _Failed as failed:
        if not isinstance(failed.__cause__, engine.SearchTimeout):
            raise
        # The cancelled statement is the last one recorded, with the time it ran.
        timed_out, page, recorder = True, None, failed.recorder
        elapsed = sum(recorder.times_ms)
    return {
        "kind": entry["kind"],
        "variant": entry["variant"],
        "path": "/api/v1/search?" + urlencode([tuple(p) for p in entry["params"]]),
        "ms": elapsed,
        "timed_out": timed_out,
        "hits": len(page.hits) if page else 0,
        "more": bool(page and page.next_cursor),
        "corrected": bool(page and page.corrected),
        "statements": [_literal(sql, params) for sql, params in recorder.statements],
        "statement_ms": recorder.times_ms,
    }


def _prefix_entry(prefix: str) -> dict[str, Any]:
    from outings.search import related

    elapsed, recorder, completions = _timed(lambda: related.autocomplete(prefix=prefix))
    return {
        "prefix": prefix,
        "ms": elapsed,
        "suggestions": len(completions),
        "statements": [_literal(sql, params) for sql, params in recorder.statements],
        "statement_ms": recorder.times_ms,
    }


def _slowest(entries: Sequence[dict[str, Any]], count: int) -> list[tuple[dict[str, Any], int]]:
    """The slowest statement of each of the `count` entries whose slowest is slowest."""
    tops = [
        (max(queries, key=lambda i: e["statement_ms"][i]), e)
        for e in entries
        # Only queries can be explained: on a busy machine a search's SET LOCAL can be its
        # slowest statement.
        if (queries := [i for i, sql in enumerate(e["statements"]) if _is_query(sql)])
    ]
    tops.sort(key=lambda pair: -pair[1]["statement_ms"][pair[0]])
    return [(entry, index) for index, entry in tops[:count]]


def _is_query(statement: str) -> bool:
    return statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "WITH")


def _explain(statement: str) -> str:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # Statements that the search's own timeout cancels are explained to the end, up to this.
        cursor.execute(f"SET LOCAL statement_timeout = {EXPLAIN_TIMEOUT_MS}")
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def _plans(searches: list[dict[str, Any]], prefixes: list[dict[str, Any]]) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('jit'), current_setting('work_mem')")
        row = cursor.fetchone()
    parts = [f"-- {row[0]}; jit={row[1]}; work_mem={row[2]}" if row else ""]
    chosen = [(e, i, e["path"]) for e, i in _slowest(searches, EXPLAINED_SEARCHES)]
    chosen += [
        (e, i, f"autocomplete {e['prefix']!r}") for e, i in _slowest(prefixes, EXPLAINED_PREFIXES)
    ]
    for entry, index, what in chosen:
        statement = entry["statements"][index]
        parts += [
            "",
            "=" * 100,
            f"-- {what}",
            f"-- {entry.get('kind', 'autocomplete')}: whole call {entry['ms']:.1f} ms; statement "
            f"{index + 1} of {len(entry['statements'])}: {entry['statement_ms'][index]:.1f} ms",
            statement.strip(),
            "",
            _explain(statement),
        ]
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search.capture", description=__doc__)
    parser.add_argument("mix", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("plans", type=Path)
    args = parser.parse_args(argv)
    import django

    django.setup()
    mix = json.loads(args.mix.read_text())
    searches = [_search_entry(entry) for entry in mix["queries"]]
    prefixes = [_prefix_entry(prefix) for prefix in mix["prefixes"]]
    args.plans.write_text(_plans(searches, prefixes))
    args.out.write_text(
        json.dumps(
            {"token": _token(), "queries": searches, "autocomplete": prefixes}, ensure_ascii=False
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
