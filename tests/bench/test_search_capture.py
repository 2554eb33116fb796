"""The search capture explains the slowest query of the slowest searches."""

from bench.search.capture import _slowest


def _entry(statements: list[str], times: list[float]) -> dict[str, object]:
    return {"statements": statements, "statement_ms": times}


def test_only_queries_are_chosen_for_explain_even_when_a_set_was_slowest():
    """On a busy machine a search's SET LOCAL statement_timeout took longest, was chosen, and
    EXPLAIN of it stopped the whole bench section with a syntax error."""
    busy = _entry(
        ["SET LOCAL statement_timeout = 1999", "  WITH base AS (SELECT 1) SELECT 1"], [90.0, 40.0]
    )
    quick = _entry(["SELECT 1", "SELECT 2"], [1.0, 30.0])
    settings_only = _entry(["SET LOCAL statement_timeout = 2000"], [500.0])

    chosen = _slowest([quick, busy, settings_only], 2)

    assert chosen == [(busy, 1), (quick, 1)]
