"""Pieces of SQL the explore queries share. Every value goes in as a bound parameter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from outings.bookings.selectors import SEATS_LEFT_SQL

# The viewer's price of a listing, in minor units of the viewer's currency: its own price when
# the currencies match, else its price times its currency's factor (RATES), rounded half to even.
PRICE = """(CASE WHEN l.currency = %(currency)s THEN l.price_amount
    ELSE round(l.price_amount * r.factor)::bigint END)"""


# Each currency's factor to the viewer's (per euro of the viewer's over per euro of the
# listing's, shifted by the difference of their minor units), computed once per currency:
# OFFSET 0 keeps the planner from pulling the subquery up into the join and computing the
# factor again for every listing. Its numeric division on every match cost a search with
# 40,000 matches in dollars and euros 20-30 ms (docs/benchmarks.md, Search, "Session 11").
# GROUP BY tells the planner one row per currency (the primary key), so that where it joins
# by a nested loop (it expects few matches near a place or for rare words) each listing stops
# at its currency's row instead of testing all of them, and the viewer's currency comes first,
# where most listings find theirs: 341,496 comparisons for 14,229 listings near Madrid before
# ("Session 12"); searches near a city 6-19 % faster, results identical.
# The viewer's own rate is read from the same set by the same statement (two uncorrelated
# subqueries, computed once): read by an earlier statement, it could be the rate before a new
# set that the statement's own snapshot reads the listings' rates from (engine/asof.py).
def _rates(table: str, rows: str, group: str) -> str:
    viewers = f"FROM {table} WHERE {rows} AND currency = %(currency)s"
    return f"""
    LEFT JOIN (SELECT currency,
                      ((SELECT per_euro {viewers}) / per_euro
                       * power(10, (SELECT exponent {viewers}) - exponent))::float8 AS factor
               FROM {table} WHERE {rows} GROUP BY {group}
               ORDER BY currency = %(currency)s DESC OFFSET 0) r ON r.currency = l.currency
"""  # noqa: S608 - a table of ours, values as parameters


RATES = _rates("search_exchangerate", "TRUE", "currency")
# The same from the rates a later page's first page read, where a new set replaced them since
# (search_pastexchangerate, engine/asof.py): one row per currency again (its key in the set).
PAST_RATES = _rates("search_pastexchangerate", "version = %(past_rates)s", "version, currency")

# A later page's quality of each listing as its first page read it (engine/asof.py): where a
# ranking refresh moved it since, the quality before the first of those refreshes.
QUALITY_AS_OF = """
    LEFT JOIN (SELECT DISTINCT ON (listing_id) listing_id, quality FROM search_rankingchange
               WHERE version > %(as_of)s ORDER BY listing_id, version) q ON q.listing_id = l.id
"""

POINT = "ll_to_earth(%(lat)s, %(lng)s)"
# The listing's stored point (search.0008_listing_place: a generated column, GiST-indexed).
PLACE = "l.place"


def great_circle_m(a: str, b: str) -> str:
    """The great-circle distance in metres between two earth points: what earthdistance's
    earth_distance(a, b) computes, sec_to_gc(cube_distance(a, b)), with sec_to_gc written out.
    sec_to_gc is an SQL function that PostgreSQL cannot inline (it reads its argument three
    times), so each call went through the SQL function executor: about 1.3 µs a row, three
    calls a row, 140 -> 58 ms for the 21,222 listings within 25 km of Madrid. Here earth() (the
    radius) folds to a constant when the statement is planned and `<->` (cube_distance) is C.
    Same formula, same results (checked on every listing of the bench catalogue)."""
    return f"(2 * earth() * asin(least(1.0, ({a} <-> {b}) / (2 * earth()))))"


DISTANCE_M = great_circle_m(PLACE, POINT)

FROM_LISTINGS = """
    FROM catalog_listing l
    JOIN accounts_hostprofile h ON h.id = l.host_id AND h.suspended_at IS NULL
    JOIN catalog_category c ON c.id = l.category_id
"""

# A slot the guests can book: open, in range, with the seats for the party, which is at least the
# listing's smallest group (`l`, the listing, is in scope wherever this is used). Lapsed holds
# count as free: the counter decides for almost every slot; only one that looks full probes its
# lapsed holds. The range starts after `available_after` (engine.where.after: now, which a hold
# needs a date to start after, or just before a chosen day's first instant).
PARTY = "greatest(%(guests)s, l.min_group_size)"
BOOKABLE_SLOT = f"""s.status = 'open' AND s.starts_at > %(available_after)s
    AND s.starts_at < %(available_to)s
    AND (s.capacity - s.seats_taken >= {PARTY} OR {SEATS_LEFT_SQL} >= {PARTY})"""

# Listing price buckets in major units of the viewer's currency, and durations in minutes.
PRICE_BUCKETS: list[tuple[str, int, int | None]] = [
    ("free", 0, 0),
    ("1-25", 1, 2500),
    ("25-50", 2501, 5000),
    ("50-100", 5001, 10000),
    ("100+", 10001, None),
]
DURATION_BUCKETS: list[tuple[str, int, int | None]] = [
    ("0-60", 0, 60),
    ("61-180", 61, 180),
    ("181-480", 181, 480),
    ("481+", 481, None),
]


def bucket_case(expression: str, buckets: list[tuple[str, int, int | None]]) -> str:
    arms = " ".join(
        f"WHEN {expression} BETWEEN {low} AND {high} THEN '{name}'"
        if high is not None
        else f"WHEN {expression} >= {low} THEN '{name}'"
        for name, low, high in buckets
    )
    return f"(CASE {arms} END)"


@dataclass
class Conditions:
    """A WHERE clause under construction: AND-ed fragments and their named parameters."""

    parts: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, fragment: str, **params: Any) -> None:
        self.parts.append(fragment)
        self.params.update(params)

    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "TRUE"
