"""Anonymous searches are cached under the catalogue version, which every booking anywhere moves,
and the time window: at each move every caller of a hot search who came before the new entry was
stored ran the search for themselves (5 of 8 at once here), the site's most expensive statement, all
to store the same page. `get_or_compute` now has one caller compute a missing value and the
others who miss it meanwhile wait for it (at most COMPUTE_WAIT_SECONDS), as the page cache does
for whole pages (test_review_session24_stampede.py)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from outings.catalog.tests.factories import ListingFactory
from outings.common import cache as common_cache
from outings.common.cache import get_or_compute
from outings.common.tests.connections import in_thread

CALLERS = 8
SEARCH_STATEMENT = "SET LOCAL statement_timeout"  # the start of every search's block


def test_callers_of_a_new_search_at_the_same_moment_are_served_one_search(
    transactional_db: None, rates: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # That the others wait for the one search is checked, not how long they would: a first
    # search slower than COMPUTE_WAIT_SECONDS on a loaded machine let a caller search for itself.
    monkeypatch.setattr(common_cache, "COMPUTE_WAIT_SECONDS", 30.0)
    ListingFactory.create(title="Harbour walk", city="Toronto")
    searched_in: set[int] = set()  # the threads that ran a search
    lock = threading.Lock()

    def counting(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if sql.startswith(SEARCH_STATEMENT):
            with lock:
                searched_in.add(threading.get_ident())
        return execute(sql, *args)

    start = threading.Barrier(CALLERS)
    outcome: dict[str, Any] = {}

    def call() -> Any:
        client = Client()
        start.wait()
        with connection.execute_wrapper(counting):
            return client.get("/api/v1/search", {"q": "harbour"})

    threads = [in_thread(outcome, str(n), call) for n in range(CALLERS)]
    for thread in threads:
        thread.join(30)
    responses = [outcome[str(n)] for n in range(CALLERS)]

    assert [getattr(r, "status_code", r) for r in responses] == [200] * CALLERS
    assert len({r.content for r in responses}) == 1
    assert responses[0].json()["results"][0]["title"] == "Harbour walk"
    assert len(searched_in) == 1, len(searched_in)


def test_a_value_computed_by_nobody_is_computed_by_the_next_caller_at_once(monkeypatch):
    """The control: a computation that failed leaves nobody waiting for it."""
    monkeypatch.setattr(common_cache, "COMPUTE_WAIT_SECONDS", 30.0)

    def failing() -> int:
        raise RuntimeError("failed")

    with pytest.raises(RuntimeError):
        get_or_compute("session24:value", failing, 60)
    assert get_or_compute("session24:value", lambda: 42, 60) == 42
    assert get_or_compute("session24:value", lambda: 43, 60) == 42
