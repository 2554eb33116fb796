"""What a later page of a search reads as its first page did.

Two inputs of a search's order move without its listings changing: the hourly ranking refresh
rewrites each listing's bookings-and-freshness boost, and so its quality factor (the score's),
and `load_exchange_rates` replaces the rates that convert prices into the viewer's currency (the
price sorts' keys, the price filter and its facet). Each moves the ranking version and keeps
what it replaced under it (search.0019: `RankingVersion`, `RankingChange`, `PastExchangeRate`).
A cursor carries the version its search's first page was read under; a later page whose
version has moved since reads the qualities and rates of then (each listing's quality before
the first refresh after that version, the rate set before the first load after it), so that
its keys are compared with keys computed as the first page's were, and no listing that did not
change is shown twice or skipped. The first page, and every later page read before any move,
read the current values with the statement they always did.

The page's own statement reads the version, and the viewer's rate, in the snapshot it reads
everything else in (a move can commit between two statements of a search): a first page is
signed with the version of what it read, and a later page whose statement finds another version
than the one its reading was decided under is read again (RankingMoved), which a move makes
happen to the pages being read at its commit, once an hour or so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from outings.search.query import no_exchange_rate


@dataclass(frozen=True)
class AsOf:
    """The ranking version a page is read under: the current one, or its first page's."""

    ranking: int
    # The current version when this was decided: a later page whose own statement finds
    # another (a refresh or new rates committed in between) is read again (RankingMoved).
    current: int
    # The rate set to read (PastExchangeRate.version), None for the current rates.
    past_rates: int | None = None
    # Whether a refresh moved a quality since: then each is read as it was (RankingChange).
    past_qualities: bool = False


class RankingMoved(Exception):
    """A later page's statement found the ranking version `version`, not the one what it
    reads was decided under: a refresh or new rates committed between the search's first
    statement and the page's, which therefore read values its cursor does not say."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def read_as_of(cursor: Any, *, ranking: int, current: int, currency: str) -> AsOf:
    """What a page under the past `ranking` version reads, the `current` one being newer. Only
    the later pages of a search read before a move ask. The page's statement reads the
    viewer's rate from the set it reads (sql.PAST_RATES); here the set is checked to have one."""
    cursor.execute(
        """SELECT first.version, p.per_euro,
                  EXISTS (SELECT 1 FROM search_rankingchange WHERE version > %(ranking)s)
           FROM (SELECT min(version) AS version FROM search_pastexchangerate
                 WHERE version > %(ranking)s) AS first
           LEFT JOIN search_pastexchangerate p
                  ON p.version = first.version AND p.currency = %(currency)s""",
        {"ranking": ranking, "currency": currency},
    )
    row = cursor.fetchone()
    assert row is not None  # an aggregate: always one row
    past_rates, per_euro, past_qualities = row
    if past_rates is not None and per_euro is None:  # no first page could have been read in it
        raise no_exchange_rate(currency)
    return AsOf(
        ranking=ranking, current=current, past_rates=past_rates, past_qualities=past_qualities
    )
