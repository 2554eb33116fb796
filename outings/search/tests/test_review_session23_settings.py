"""Review (session 23): the search sets its time budget, work_mem and JIT with SET LOCAL in an
atomic block, "so that they cover this search and nothing else"; inside a surrounding
transaction that block is a savepoint, and a released savepoint keeps what SET LOCAL set until
the surrounding transaction ends: every later statement of that transaction ran under what was
left of the search's 2 s (a few milliseconds, after a slow search), with its work_mem and
without JIT. The settings now end with the search."""

from typing import Any

import pytest
from django.db import connection, transaction

from outings.search.engine import STATEMENT_TIMEOUT_MS, search
from outings.search.query import SearchQuery

pytestmark = pytest.mark.django_db
SETTINGS = ("statement_timeout", "work_mem", "jit")


def _settings() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in SETTINGS))
        row = cursor.fetchone()
    return dict(zip(SETTINGS, row, strict=True))


def test_the_settings_are_as_they_were_after_a_search_in_a_surrounding_transaction(
    make_listing: Any,
) -> None:
    make_listing("Harbour walk")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = '60s'")
            cursor.execute("SET LOCAL work_mem = '5MB'")
            cursor.execute("SET LOCAL jit = on")

        page = search(SearchQuery(text="harbour"))

        assert [hit.title for hit in page.hits] == ["Harbour walk"]
        assert _settings() == {"statement_timeout": "1min", "work_mem": "5MB", "jit": "on"}


def test_the_search_itself_runs_under_its_settings(make_listing: Any) -> None:
    make_listing("Harbour walk")
    seen: list[tuple[str, ...]] = []

    def look(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if " base AS " in sql:  # the page statement
            # The connection's own cursor: not through this wrapper again.
            row = connection.connection.execute(
                "SELECT " + ", ".join(f"current_setting('{name}')" for name in SETTINGS)
            ).fetchone()
            seen.append(row)
        return execute(sql, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(look):
        search(SearchQuery(text="harbour"))

    [(timeout, work_mem, jit)] = seen
    assert (STATEMENT_TIMEOUT_MS, timeout) == (2000, "2s")
    assert (work_mem, jit) == ("16MB", "off")
