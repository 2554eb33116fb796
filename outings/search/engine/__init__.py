"""The explore query on PostgreSQL: one typed query in, one page of hits with facets out.

Text: the listing's search document (a trigger keeps it current) against the text read in every
language configuration of the catalogue, whatever the viewer's, and the unstemmed `simple` one
(names shared across languages), and a prefix match on the last word; when that finds too
little, the words are corrected against the lexicon (pg_trgm) and the corrected query is used,
with a "did you mean". Place: earthdistance, whose
`<->` on `ll_to_earth` is a chord length, monotonic in the great-circle distance, so the GiST
index orders exactly. Availability: a listing is a hit only if it has a bookable slot.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from time import monotonic
from typing import Any

from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from outings.common.errors import DomainError
from outings.search.engine.asof import AsOf, RankingMoved, read_as_of
from outings.search.engine.cursors import cursor_fingerprint, read_cursor
from outings.search.engine.page import run_page
from outings.search.query import SearchPage, SearchQuery, no_exchange_rate

__all__ = ["STATEMENT_TIMEOUT_MS", "SearchTimeout", "cursor_fingerprint", "search"]

STATEMENT_TIMEOUT_MS = 2000
SEARCH_WORK_MEM = "16MB"
TYPO_THRESHOLD = 3  # fewer exact hits than this tries a corrected query
_WORD = re.compile(r"\w+")
CITY_SEPARATOR = "\x1f"  # between the chosen cities folded as one text (_set_up)


class SearchTimeout(DomainError):
    code = "search_timeout"
    status_code = 503
    message = gettext_noop("The search took too long. Try fewer words or filters.")


def search(query: SearchQuery, *, now: datetime | None = None) -> SearchPage:
    now = now or timezone.now()
    try:
        return _timed_search(query, now)
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "57014":  # query_canceled
            raise SearchTimeout from error
        raise


class _Budget:
    """STATEMENT_TIMEOUT_MS for the whole search, not for each of its statements: each
    statement after the first may only take what the ones before it left."""

    def __init__(self) -> None:
        self.deadline = monotonic() + STATEMENT_TIMEOUT_MS / 1000

    def renew(self, cursor: Any) -> None:
        left = int((self.deadline - monotonic()) * 1000)
        if left < 1:
            raise SearchTimeout()
        cursor.execute(f"SET LOCAL statement_timeout = {left}")


def _timed_search(query: SearchQuery, now: datetime) -> SearchPage:
    # SET LOCAL needs a transaction. The block is rolled back at its end (the search writes
    # nothing), so that the settings cover this search and nothing else: inside a surrounding
    # transaction the block is a savepoint, and a released savepoint keeps what SET LOCAL set
    # until that transaction ends (its later statements ran under what was left of the time
    # budget, until session 23). Outside one, the block is the transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        budget = _Budget()
        cursor.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
        exponent, ranking, cities = _set_up(cursor, query.currency, query.cities)
        # The cursors are bound to the chosen cities as the database compares them.
        query = replace(query, folded_cities=cities)
        page = None
        while page is None:
            try:
                page = _search(cursor, query, now, exponent, ranking=ranking, budget=budget)
            except RankingMoved as moved:
                # A later page whose statement found a ranking refresh or new rates committed
                # since the version was read above: read again as the version now says.
                budget.renew(cursor)
                ranking = moved.version
        transaction.set_rollback(True)
    return page


def _search(
    cursor: Any,
    query: SearchQuery,
    now: datetime,
    exponent: int,
    *,
    ranking: int,
    budget: _Budget,
) -> SearchPage:
    """The page of `query` when the current ranking version is `ranking` (RankingMoved if a
    later page's statement finds it moved)."""
    boundary = read_cursor(query.cursor, query, ranking=ranking) if query.cursor else None
    as_of = AsOf(ranking=ranking, current=ranking)
    if boundary and boundary.ranking is not None and boundary.ranking != ranking:
        # A later page of a search whose first page was read before the hourly refresh or a
        # new set of rates: read with the qualities and rates of then.
        as_of = read_as_of(
            cursor, ranking=boundary.ranking, current=ranking, currency=query.currency
        )
    if boundary and boundary.point:
        # A named place's later pages: measured from the point its first page was, which
        # the hourly refresh may have moved since (the keys are distances from it).
        query = replace(query, near=boundary.point)
    if boundary and boundary.corrected:
        # Another page of a corrected search: the text that was searched, again.
        text = boundary.corrected
        page = run_page(
            cursor,
            _with_text(query, text),
            now,
            exponent,
            boundary=boundary,
            sent=query,
            as_of=as_of,
        )
        page.suggestion, page.corrected = text, True
        return page
    page = run_page(cursor, query, now, exponent, boundary=boundary, as_of=as_of)
    if query.text and not page.hits and query.cursor is None:
        budget.renew(cursor)
        corrected = _correct(cursor, query.text)
        if corrected and corrected.lower() != query.text.lower():
            budget.renew(cursor)
            page = run_page(
                cursor, _with_text(query, corrected), now, exponent, sent=query, as_of=as_of
            )
            page.suggestion, page.corrected = corrected, True
    elif (
        query.text
        and len(page.hits) < TYPO_THRESHOLD
        and page.next_cursor is None
        and query.cursor is None
    ):
        budget.renew(cursor)
        corrected = _correct(cursor, query.text)
        if corrected and corrected.lower() != query.text.lower():
            page.suggestion = corrected
    return page


def _with_text(query: SearchQuery, text: str) -> SearchQuery:
    return replace(query, text=text)


def _set_up(cursor: Any, currency: str, cities: Sequence[str]) -> tuple[int, int, tuple[str, ...]]:
    """The minor unit of the viewer's currency (InvalidSearch if the rates have none for it),
    the chosen `cities` as the database compares them (where.CITY_SPELLINGS), which the
    cursors are bound to (a cursor of "Málaga" turns the pages of "malaga"), and the ranking
    version (search.0019: which qualities and rates the search reads, carried
    by its cursors, engine/asof.py), which the page's statement reads again in its own
    snapshot, as it reads the viewer's rate (a refresh or new rates may commit in between);
    also sets the rest of the search up: JIT off (compiling a search's expressions, 50-60 ms
    on the bench catalogue where the server has LLVM, costs more than it saves on statements
    that take 1-400 ms) and work_mem for the matches that the page and its facets share
    (20,000 of them spilled to disk at the server's default 4 MB)."""
    # The cities folded as one text, split at a control character that no city holds
    # (SearchQuery reads them as spaces) and that neither lower() nor unaccent changes: an
    # ARRAY over unnest() of them cost 0.09 ms a search where this costs 0.03 (paired, this
    # statement alone). Without cities the statement is the one it was.
    folded = ", lower(outings_unaccent(%s))" if cities else ""
    params = [CITY_SEPARATOR.join(cities)] if cities else []
    cursor.execute(
        f"""SELECT set_config('jit', 'off', true),
                  set_config('work_mem', '{SEARCH_WORK_MEM}', true), r.exponent,
                  coalesce((SELECT version FROM search_rankingversion), 0){folded}
           FROM (SELECT 1) AS one LEFT JOIN search_exchangerate r ON r.currency = %s""",
        [*params, currency],
    )
    row = cursor.fetchone()
    if row is None or row[2] is None:
        raise no_exchange_rate(currency)
    return row[2], row[3], tuple(row[4].split(CITY_SEPARATOR)) if cities else ()


def _correct(cursor: Any, text: str) -> str | None:
    """The query with each word that finds no public listing on its own replaced by its closest
    word in the lexicon (pg_trgm, preferring common words); everything else in the text (quotes,
    "-", "or", the words that do find something) stays as typed. A word finds a listing through
    any part of its document (tags, description, a form stemmed in any of the catalogue's
    languages, as the search reads it), which the lexicon of titles and places does not hold.
    Words are normalised by the database, as the lexicon's were."""
    words = sorted({word.lower() for word in _WORD.findall(text)} - {"or"})
    if not words or len(words) > 8:
        return None
    cursor.execute(
        """SELECT t.raw, (SELECT x.word FROM search_lexeme x WHERE lower(x.word) %% w.word
                          ORDER BY similarity(lower(x.word), w.word)
                                   + 0.05 * ln(1 + x.documents) DESC, x.word
                          LIMIT 1)
           FROM unnest(%s::text[]) AS t(raw)
           CROSS JOIN LATERAL (SELECT lower(outings_unaccent(t.raw)) AS word) AS w
           WHERE NOT EXISTS (
               SELECT 1 FROM catalog_listing l
               JOIN accounts_hostprofile h ON h.id = l.host_id AND h.suspended_at IS NULL
               WHERE l.status = 'published'
                 AND l.search_vector @@ outings_websearch_any(t.raw))""",
        [words],
    )
    replacements = {word: closest for word, closest in cursor.fetchall() if closest}
    if not replacements:
        return None
    return _WORD.sub(lambda word: replacements.get(word[0].lower(), word[0]), text)
