from datetime import date

import pytest

from outings.search.engine import search
from outings.search.query import InvalidSearch, Point, SearchQuery
from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"text": "x" * 201}, "q"),
        ({"date_from": date(2026, 12, 5), "date_to": date(2026, 12, 1)}, "date_to"),
        ({"guests": 0}, "guests"),
        ({"guests": 1000}, "guests"),
        ({"near": Point(91, 0)}, "near"),
        ({"near": Point(0, 181)}, "near"),
        ({"near": Point(0, 0), "radius_km": 0}, "radius_km"),
        ({"near": Point(0, 0), "radius_km": -5}, "radius_km"),
        ({"near": Point(0, 0), "radius_km": 40000}, "radius_km"),
        ({"radius_km": 5}, "radius_km"),
        ({"sort": "distance"}, "sort"),
        ({"price_min": 500, "price_max": 100}, "price_max"),
        ({"limit": 0}, "limit"),
    ],
)
def test_invalid_searches_name_the_field(params, field):
    with pytest.raises(InvalidSearch) as error:
        SearchQuery(**params)

    assert list(error.value.fields) == [field]
    assert error.value.status_code == 400


def test_a_malformed_cursor_is_refused(rates):
    with pytest.raises(InvalidSearch) as error:
        search(SearchQuery(cursor="not-a-cursor"))

    assert error.value.fields == {"cursor": ["Malformed or tampered cursor."]}


def test_a_cursor_from_another_search_is_refused(make_listing):
    for n in range(3):
        make_listing(f"tour {n}")
    cursor = search(SearchQuery(text="tour", limit=1)).next_cursor

    with pytest.raises(InvalidSearch) as error:
        search(SearchQuery(text="walk", limit=1, cursor=cursor))

    assert error.value.fields == {"cursor": ["This cursor belongs to another search."]}


def test_an_unknown_currency_is_refused(rates):
    with pytest.raises(InvalidSearch) as error:
        search(SearchQuery(currency="XXX"))

    assert list(error.value.fields) == ["currency"]


@pytest.mark.parametrize("text", ['"', "-", "!!!", "a & | b", "(((", "'", ":*", "\x00 tour"])
def test_broken_query_syntax_never_errors(make_listing, text):
    make_listing("tour")

    search(SearchQuery(text=text))  # no exception: websearch syntax never raises


def test_searches_run_under_a_statement_timeout(rates):
    from django.db import connection

    from outings.search import engine

    executed: list[str] = []

    def record(run, sql, *args):
        executed.append(sql)
        return run(sql, *args)

    with connection.execute_wrapper(record):
        search(SearchQuery(text="tour"))

    assert executed[1] == f"SET LOCAL statement_timeout = {engine.STATEMENT_TIMEOUT_MS}"


def test_a_search_that_runs_out_of_time_is_a_clean_503(rates, monkeypatch):
    from outings.search import engine

    monkeypatch.setattr(engine, "STATEMENT_TIMEOUT_MS", 1)
    monkeypatch.setattr(
        engine,
        "_set_up",
        lambda cursor, currency, cities: cursor.execute("SELECT pg_sleep(0.05)") or (2, 1, ()),
    )

    with pytest.raises(engine.SearchTimeout) as error:
        search(SearchQuery(text="tour"))

    assert error.value.status_code == 503


def test_a_corrected_search_shares_one_time_budget(make_listing):
    from django.db import connection

    from outings.search import engine

    make_listing("Distillery district walking tour")
    refresh_lexicon()
    executed: list[str] = []

    def record(run, sql, *args):
        executed.append(sql)
        return run(sql, *args)

    with connection.execute_wrapper(record):
        page = search(SearchQuery(text="distilery"))

    budgets = [
        int(sql.rsplit("=", 1)[1]) for sql in executed if sql.startswith("SET LOCAL statement")
    ]
    assert page.corrected is True
    assert len(budgets) == 3  # the search, the correction, the corrected search
    assert budgets[0] == engine.STATEMENT_TIMEOUT_MS
    assert budgets == sorted(budgets, reverse=True)


def test_a_search_whose_budget_is_spent_before_its_correction_is_a_clean_503(
    make_listing, monkeypatch
):
    from outings.search import engine

    make_listing("Distillery district walking tour")
    refresh_lexicon()
    clock = iter([0.0, engine.STATEMENT_TIMEOUT_MS / 1000 + 0.5])
    monkeypatch.setattr(engine, "monotonic", lambda: next(clock))

    with pytest.raises(engine.SearchTimeout):
        search(SearchQuery(text="distilery"))
