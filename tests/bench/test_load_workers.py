"""The psycopg load workers (bench/pgload.py) that the baseline, API and search sections start:
real worker processes against this test run's PostgreSQL, each for half a second."""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from bench.measure import BenchError
from bench.pgload import PsycopgProbe
from bench.search.catalogue import DatabaseServer
from bench.search.replay import ReplayProbe as SearchReplayProbe
from bench.search.replay import write_searches
from bench.sections.api import ReplayProbe as ApiReplayProbe

pytestmark = pytest.mark.django_db
SECONDS = 0.5


def _other_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


@pytest.fixture
def conninfo() -> Iterator[str]:
    settings = connection.settings_dict
    before = _other_backends()  # this process's pool, the session's live server...
    yield DatabaseServer.from_settings(settings).conninfo(settings["NAME"])
    # A worker's connections end with its process, but their backends may linger a moment:
    # wait for them, or dropping the test database at the end of the run would find them.
    # Only for them: the connections that were there before stay, and waiting for those spent
    # the whole 10 s after every test.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not _other_backends() - before:
            return
        time.sleep(0.05)


def _probe_fields(conninfo: str) -> dict[str, Any]:
    return {"key": "k", "label": "l", "concurrency": 2, "conninfo": conninfo, "processes": 1}


def test_one_statement_per_unit_with_a_random_id(conninfo, tmp_path):
    ids = tmp_path / "ids.json"
    ids.write_text(json.dumps([1, 2, 3]))
    probe = PsycopgProbe(**_probe_fields(conninfo), threads=2, sql="SELECT %s::int", ids_file=ids)

    sample = probe.run(SECONDS)

    assert sample.requests > 0
    assert sample.errors == 0
    assert sample.requests_per_second == pytest.approx(sample.requests / SECONDS)
    assert 0 < sample.p50_ms <= sample.p99_ms
    assert probe.history == [sample]


def test_a_refused_statement_fails_the_run(conninfo, tmp_path):
    ids = tmp_path / "ids.json"
    ids.write_text(json.dumps([0]))
    probe = PsycopgProbe(**_probe_fields(conninfo), threads=2, sql="SELECT 1 / %s", ids_file=ids)

    with pytest.raises(BenchError, match="psycopg queries failed"):
        probe.run(SECONDS)


def _api_statements(path: Path, sql: str) -> Path:
    statement = {"sql": sql, "params": [0, "x"], "id_at": [0]}
    path.write_text(json.dumps({"statements": [statement, statement], "ids": [7, 8]}))
    return path


def test_an_api_replay_runs_the_endpoints_statements_with_the_requests_id(conninfo, tmp_path):
    # The id goes where the capture found it: a wrong id would divide by zero.
    file = _api_statements(tmp_path / "api.json", "SELECT 1 / (%s - 6), %s::text")
    probe = ApiReplayProbe(**_probe_fields(conninfo), threads=2, statements_file=file)

    sample = probe.run(SECONDS)

    assert sample.requests > 0
    assert sample.errors == 0


def test_an_api_replay_whose_statement_fails_fails_the_run(conninfo, tmp_path):
    file = _api_statements(tmp_path / "api.json", "SELECT 1 / (%s - 7), %s::text")
    probe = ApiReplayProbe(**_probe_fields(conninfo), threads=2, statements_file=file)

    with pytest.raises(BenchError, match="replayed requests failed"):
        probe.run(SECONDS)


def test_a_search_replay_counts_searches_its_timeout_cancels_as_errors(conninfo, tmp_path):
    file = write_searches(
        tmp_path / "searches.json",
        [
            ["SET LOCAL statement_timeout = 20", "SELECT 1", "SELECT 2"],
            ["SET LOCAL statement_timeout = 20", "SELECT pg_sleep(1)"],
        ],
    )
    probe = SearchReplayProbe(
        **_probe_fields(conninfo), threads=2, statements_file=file, min_seconds=SECONDS
    )

    sample = probe.run(SECONDS)

    assert sample.requests > 0
    assert 0 < sample.errors <= sample.requests
    assert sample.p99_ms >= 20  # a cancelled search counts with its time


def test_a_search_replay_fails_on_any_other_database_error(conninfo, tmp_path):
    file = write_searches(tmp_path / "searches.json", [["SELECT 1 / 0"]])
    probe = SearchReplayProbe(
        **_probe_fields(conninfo), threads=2, statements_file=file, min_seconds=SECONDS
    )

    with pytest.raises(BenchError, match="replayed searches failed"):
        probe.run(SECONDS)
