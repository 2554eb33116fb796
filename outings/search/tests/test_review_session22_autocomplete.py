"""Autocomplete by a word inside a title: "louvr" offers "Musée du Louvre". Suggestions matched
the start of a title only, and a word inside one only through the trigram fill-up, whose
similarity with the whole title is too low for a short prefix of one of its words."""

from typing import Any

import pytest
from django.db import connection

from outings.search.related import autocomplete, find_place
from outings.search.services import refresh_lexicon

pytestmark = pytest.mark.django_db


def _titles(prefix: str) -> list[str]:
    return [c.label for c in autocomplete(prefix=prefix) if c.kind == "title"]


def test_a_word_inside_a_title_finds_it_by_its_prefix(make_listing: Any) -> None:
    make_listing("Musée du Louvre", content_language="fr", city="Paris")
    make_listing("Night at the (Royal) Ontario Museum")
    refresh_lexicon()

    assert _titles("louvr") == ["Musée du Louvre"]
    assert _titles("LOUVRE") == ["Musée du Louvre"]
    assert _titles("du louv") == ["Musée du Louvre"]
    # A word after punctuation is a word too.
    assert _titles("roya") == ["Night at the (Royal) Ontario Museum"]
    assert _titles("ontario mu") == ["Night at the (Royal) Ontario Museum"]


def test_titles_that_start_with_the_text_come_before_those_with_it_inside(
    make_listing: Any,
) -> None:
    inside = make_listing("Evening harbour cruise")
    for _ in range(3):
        make_listing("Evening harbour cruise")  # weighs more than the one below
    make_listing("Harbour walk")
    refresh_lexicon()

    assert inside.pk
    assert _titles("harb") == ["Harbour walk", "Evening harbour cruise"]


def test_a_title_found_by_its_start_and_a_word_is_offered_once(make_listing: Any) -> None:
    make_listing("Tour the tower tours")
    refresh_lexicon()

    assert _titles("tou") == ["Tour the tower tours"]


def test_a_hidden_listings_title_leaves_with_its_words(make_listing: Any) -> None:
    listing = make_listing("Musée du Louvre", content_language="fr", city="Paris")
    refresh_lexicon()

    listing.status = listing.Status.PAUSED
    listing.save(update_fields=["status"])

    assert _titles("louvr") == []


def test_the_api_offers_a_title_by_a_word_inside_it(make_listing: Any, client: Any) -> None:
    make_listing("Musée du Louvre", content_language="fr", city="Paris")
    refresh_lexicon()

    answer = client.get("/api/v1/autocomplete", {"q": "louvr"})

    assert answer.status_code == 200
    assert [s["label"] for s in answer.json() if s["kind"] == "title"] == ["Musée du Louvre"]


def test_the_words_are_read_from_an_index_only_when_the_starts_are_too_few(
    make_listing: Any,
) -> None:
    """The statement stays index-backed: the starts of the labels, the words inside titles and
    the close spellings each read their own index, and the words only when the starts found
    fewer than ten."""
    for n in range(12):
        make_listing(f"Harbour walk {n}")
        make_listing(f"Evening harbour cruise {n}")
    refresh_lexicon()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_suggestion")  # as autovacuum does after a refresh
        cursor.execute("SET enable_seqscan = off")
        try:
            plans = {prefix: _plan(cursor, prefix) for prefix in ("harb", "evening harb")}
        finally:
            cursor.execute("RESET enable_seqscan")

    assert "suggestion_word_prefix" in plans["harb"]
    # Twelve titles start with "harb": the words' index is never read.
    assert "suggestion_word_prefix" not in _executed(plans["harb"])
    assert "Seq Scan" not in plans["harb"]
    # Twelve titles start with "evening harb" too, and none has it inside.
    assert "Seq Scan on search_suggestion" not in plans["evening harb"]


def _plan(cursor: Any, prefix: str) -> str:
    from outings.search import related

    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        related.autocomplete(prefix=prefix)
    sql, params = captured[-1]
    cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, params)
    return "\n".join(row[0] for row in cursor.fetchall())


def _executed(plan: str) -> str:
    """The plan's lines of nodes that ran (an InitPlan's gate can leave a node never executed)."""
    return "\n".join(line for line in plan.splitlines() if "(never executed)" not in line)


def test_a_place_name_is_found_through_the_index_of_whole_labels(make_listing: Any) -> None:
    """find_place reads `suggestion_prefix`, a partial index of whole labels since the words
    came (search.0022): without `word = 0` it read the whole table (95,775 rows of the real
    catalogue's suggestions and words, 177 ms) for every near= search. Before that, its
    `normalized = ...` was answered from the trigram GiST index, which the planner costed a
    little cheaper than the btree, and which read most of itself: 16-33 ms a place name."""
    make_listing("Musée du Louvre", content_language="fr", city="Paris", country_code="FR")
    refresh_lexicon()
    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert find_place("Paris") is not None
    [(sql, params)] = captured
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_suggestion")
        cursor.execute("SET enable_seqscan = off")
        try:
            cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("RESET enable_seqscan")

    assert "suggestion_prefix" in plan
    assert "suggestion_trgm" not in plan
