"""The captured search statements straight through psycopg: what the database alone can serve.

Like bench/pgload.py (same pool set-up as Django's, same counted window agreed with the runner,
same merged latency histograms), but a unit of work is one search: its statements, as captured
from the engine, in one transaction (BEGIN, SET LOCAL statement_timeout, the rate, the hits, the
next slots, the facets, COMMIT), each result fetched. Each thread picks searches of the mix at
random. A search cancelled by its statement timeout counts (its time included) and is reported
as an error of the case, as the HTTP cases report the 503 it becomes there; any other database
error fails the run. Run as `python -m bench.search.replay --threads N --seconds S` by
ReplayProbe (bench.pgload.worker_main).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from psycopg_pool import ConnectionPool

from bench.measure import BenchError
from bench.pgload import Pick, Unit, WorkerProbe, worker_main
from bench.search.load import MIN_SECONDS


def _replayed_search() -> Unit:
    """A search of the mix at random: its statements in one transaction, each result fetched."""
    document = json.loads(Path(os.environ["BENCH_SEARCH_STATEMENTS"]).read_text())
    searches = [[statement.encode() for statement in search] for search in document]

    def unit(pool: ConnectionPool, pick: Pick) -> None:
        with pool.connection() as connection, connection.transaction():
            for statement in pick(searches):
                cursor = connection.execute(statement)
                if cursor.description is not None:
                    cursor.fetchall()

    return unit


def main(argv: Sequence[str] | None = None) -> int:
    return worker_main(
        argv,
        prog="python -m bench.search.replay",
        description=__doc__,
        unit=_replayed_search,
        count_timeouts=True,
    )


def write_searches(path: Path, searches: Sequence[Sequence[str]]) -> Path:
    """The statement file a ReplayProbe reads: one list of SQL statements per search."""
    path.write_text(json.dumps([list(search) for search in searches], ensure_ascii=False))
    return path


@dataclass
class ReplayProbe(WorkerProbe):
    """`processes * threads` searches in flight, each a pool checkout and one transaction.
    Searches cut by the statement timeout are the sample's errors."""

    statements_file: Path | None = None
    # At least this long per run: a search slower than a fifth of it would rarely fit in one.
    min_seconds: float = MIN_SECONDS

    module: ClassVar[str] = "bench.search.replay"
    units: ClassVar[str] = "replayed searches"
    grace: ClassVar[float] = 120

    def worker_env(self) -> dict[str, str]:
        if self.statements_file is None:
            raise BenchError("ReplayProbe needs statements_file")
        return {"BENCH_SEARCH_STATEMENTS": str(self.statements_file)}


if __name__ == "__main__":
    sys.exit(main())
