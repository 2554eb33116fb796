"""One statement finds the page of hits and the facet counts of a search."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from outings.bookings.selectors import SEATS_LEFT_SQL
from outings.search import sql as S
from outings.search.engine import where as W
from outings.search.engine.asof import AsOf, RankingMoved
from outings.search.engine.cursors import Boundary, encode_cursor, jsonable
from outings.search.query import FacetValue, NextSlot, SearchHit, SearchPage, SearchQuery

# Each sort's key (then the id, for ties) and whether it ascends.
ORDER = {
    "relevance": ("score", False),
    # The chord length between the two ll_to_earth points: ordered like the great-circle distance,
    # and what the GiST index on ll_to_earth(latitude, longitude) can return nearest first.
    "distance": ("knn", True),
    # price_key: the viewer's price, or for a listing whose currency has no rate (no price to
    # show the viewer) a value past every price, so that it comes last and the keyset holds.
    "price_asc": ("price_key", True),
    "price_desc": ("price_key", False),
    "newest": ("created_at", False),
    "soonest": ("next_start", True),
}

# The ranking version (search_rankingversion: one row, absent before the first move).
CURRENT_RANKING = "coalesce((SELECT version FROM search_rankingversion), 0)"


def run_page(
    cursor: Any,
    query: SearchQuery,
    now: datetime,
    exponent: int,
    *,
    as_of: AsOf,
    boundary: Boundary | None = None,
    sent: SearchQuery | None = None,
) -> SearchPage:
    """The page and its facets in one statement: the matching rows are found once, in a
    MATERIALIZED CTE with only what ordering and counting need, and both the page and the facet
    counts read them from there (they were two statements that each found them).

    `boundary` is what the client's cursor says (read_cursor): the page starts after its sort
    keys, or, backward, ends before them (read in the reverse order, nearest first, then put
    back in the sort's order). `sent` is the query as the client sent it when `query` is its
    correction: the cursors are signed for what the client will send again. `as_of` is the
    ranking version the page is read under, which its cursors carry: the current one, or, on a
    later page of a search read before the ranking or the rates moved, its first page's, whose
    qualities and rates it reads (engine/asof.py). The statement reads the current version
    itself, in its own snapshot: a first page's cursors carry it, and a later page raises
    RankingMoved when it is not the one `as_of` was decided under. `exponent` is the minor unit
    of the viewer's currency, which the price buckets are counted in."""
    sent = sent or query
    where = W.common(query, now)
    own = W.facet_conditions(query)
    key, ascending = ORDER[query.sort]
    backward = boundary is not None and boundary.backward
    # The order the statement reads in: the sort's own, or its reverse to read a page backward.
    reads_up = ascending != backward
    order = f"{key} {'ASC' if reads_up else 'DESC'}, id {'ASC' if reads_up else 'DESC'}"
    params = dict(where.params)
    window = W.window(query, now) or (now, now + W.AVAILABILITY_HORIZON)
    # This weekend as far as the dates searched take it in (None: they leave it out, and
    # the count is 0 without a probe).
    weekend = W.weekend_within(query, now)
    weekend_from, weekend_to = weekend or (now, now)
    params.update(
        categories=list(query.categories),
        languages=list(query.languages),
        cities=list(query.cities),
        now=now,
        available_after=W.after(window[0], now),
        available_to=window[1],
        guests=query.guests or 1,
        weekend_after=W.after(weekend_from, now),
        weekend_to=weekend_to,
        weekend_guests=query.guests or 1,
        limit=query.limit + 1,
    )
    # A later page of a search read before the rates or the qualities moved reads them as its
    # first page did (engine/asof.py); only a ranked page's order reads the qualities. Else
    # the statement is the one every first page runs.
    rates, quality = S.RATES, "l.search_quality"
    if as_of.past_rates is not None:
        rates = S.PAST_RATES
        params.update(past_rates=as_of.past_rates)
    if as_of.past_qualities and query.sort == "relevance":
        rates += S.QUALITY_AS_OF
        quality = "coalesce(q.quality, l.search_quality)"
        params.update(as_of=as_of.ranking)
    score = W.score(query, quality=quality)
    keyset = "TRUE"
    if boundary is not None:
        beyond = ">" if reads_up else "<"
        # The way back from an empty page starts (or ends) at its keys, their hit included.
        keyset = f"({key}, id) {beyond}{'=' if boundary.inclusive else ''} (%(k0)s, %(k1)s)"
        params.update(k0=boundary.keys[0], k1=boundary.keys[1])
    distance = f"{S.DISTANCE_M} / 1000.0" if query.near is not None else "NULL::float"
    knn = f"({S.PLACE} <-> {S.POINT})" if query.near is not None else "NULL::float"
    next_start = "NULL::timestamptz"
    if query.sort == "soonest":
        next_start = (
            f"(SELECT min(s.starts_at) FROM scheduling_slot s"
            f" WHERE s.listing_id = l.id AND {S.BOOKABLE_SLOT})"
        )
    price_key = {
        "price_asc": f"coalesce({S.PRICE}, {NO_PRICE_ASC})",
        "price_desc": f"coalesce({S.PRICE}, {NO_PRICE_DESC})",
    }.get(query.sort, "NULL::bigint")
    # The buckets are computed from these by the facet counts, for the rows they count.
    facet_columns = (
        " l.duration_minutes AS duration, l.min_group_size AS min_group," if query.facets else ""
    )
    soonest_only = "next_start IS NOT NULL" if query.sort == "soonest" else "TRUE"
    # Without facets nothing else reads the matches: left to the planner, the page can stop
    # early (the distance sort walks the GiST index nearest first).
    materialized = "MATERIALIZED" if query.facets else "NOT MATERIALIZED"
    facet_rows = ""
    if query.facets:
        facet_rows = _facet_rows(
            exponent=exponent, weekend=weekend is not None, cities=bool(query.cities)
        )
        if query.cities:
            facet_rows += _SPELLING_ROWS
    # The chosen cities' spellings, read once (where.CITY_SPELLINGS).
    chosen = f"chosen AS MATERIALIZED ({W.CITY_SPELLINGS}), " if query.cities else ""
    statement = f"""
        WITH {chosen}base AS {materialized} (
            SELECT l.id, c.slug AS category, l.city, l.languages, l.created_at,
                   {S.PRICE} AS price, {price_key} AS price_key,
                   {distance} AS distance, {knn} AS knn,
                   {score} AS score, {next_start} AS next_start,{facet_columns}
                   {own["category"]} AS in_category, {own["language"]} AS in_language,
                   {own["city"]} AS in_city
            {S.FROM_LISTINGS}
            {rates}
            WHERE {where.sql()}
        ), page AS (
            SELECT id, category, price_key, distance, knn, score, created_at, next_start
            FROM base
            WHERE in_category AND in_language AND in_city AND {keyset} AND {soonest_only}
            ORDER BY {order} LIMIT %(limit)s
        )
        SELECT 'hit', NULL::bigint, p.id, l.title, l.summary, p.category, l.city, l.country_code,
               l.price_amount, l.currency, l.duration_minutes, l.latitude, l.longitude,
               l.image_url, p.price_key, p.distance, p.knn, p.score, p.created_at, p.next_start,
               slot.id, slot.starts_at, slot.seats_left, l.time_zone, l.content_language,
               NULL::bigint
        FROM page p
        JOIN catalog_listing l ON l.id = p.id
        LEFT JOIN LATERAL (
            SELECT s.id, s.starts_at, {SEATS_LEFT_SQL} AS seats_left FROM scheduling_slot s
            WHERE s.listing_id = p.id AND {S.BOOKABLE_SLOT}
            ORDER BY s.starts_at LIMIT 1
        ) slot ON TRUE
        {facet_rows}
        -- The ranking version in this statement's snapshot: what its rows were read under.
        UNION ALL
        SELECT 'ranking', {", ".join(["NULL"] * 24)}, {CURRENT_RANKING}
    """
    cursor.execute(statement, params)
    rows = cursor.fetchall()
    seen = next(row[-1] for row in rows if row[0] == "ranking")
    if boundary is not None and seen != as_of.current:
        raise RankingMoved(seen)
    # A first page reads the current values, whatever version a move committed since the
    # search's first statement made current: it is signed with the one it read them under.
    ranking = as_of.ranking if boundary is not None else seen
    # The page comes back in no order (UNION ALL); sorted here by its keys rather than numbered
    # by the statement: a row_number() over the matches made PostgreSQL sort all of them (20,520
    # near Madrid) where ORDER BY ... LIMIT keeps only the best 21 (a top-N heapsort).
    column = 14 + HIT_KEYS.index(key)
    hits = sorted(
        (row for row in rows if row[0] == "hit"),
        key=lambda row: (row[column], row[2]),
        reverse=not ascending,
    )
    # One row more than a page says that there is more beyond it: after the page going
    # forward, before it going backward (where that row sorts first).
    more = len(hits) > query.limit
    hits = hits[len(hits) - query.limit :] if backward and more else hits[: query.limit]
    page = SearchPage(
        hits=[
            SearchHit(
                listing_id=row[2],
                title=row[3],
                summary=row[4],
                category=row[5],
                city=row[6],
                country_code=row[7],
                price_amount=row[8],
                currency=row[9],
                duration_minutes=row[10],
                latitude=row[11],
                longitude=row[12],
                image_url=row[13],
                distance_km=round(row[15], 3) if row[15] is not None else None,
                next_slot=NextSlot(slot_id=row[20], starts_at=row[21], seats_left=row[22])
                if row[20] is not None
                else None,
                time_zone=row[23],
                content_language=row[24],
            )
            for row in hits
        ],
        facets=_facets(query, [row for row in rows if row[0] in ("facet", "spelling")])
        if query.facets
        else {},
    )
    corrected = query.text if sent is not query else None
    # A named place's point, which later pages measure from again (the client sends the
    # name, and the hourly refresh may move the point it stands for).
    point = query.near if query.place else None
    if not hits and boundary is not None:
        # Nothing beyond the cursor (its hits gone since, or a client paging past the end): no
        # cursor onwards, and one back, to the page that ends (backward: starts) at the
        # cursor's keys, their hit included (that hit may be gone; its keys stand). Until
        # session 22 such a page had neither, and the client could only start again.
        back = encode_cursor(
            [jsonable(value) for value in boundary.keys],
            sent,
            corrected=corrected,
            backward=not backward,
            point=point,
            ranking=ranking,
            inclusive=True,
        )
        if backward:
            page.next_cursor = back
        else:
            page.previous_cursor = back
    if hits:
        # Forward, a page before exists if a cursor led here; backward, the page after does.
        has_next = True if backward else more
        has_previous = more if backward else boundary is not None
        if has_next:
            page.next_cursor = encode_cursor(
                _keys(hits[-1], key), sent, corrected=corrected, point=point, ranking=ranking
            )
        if has_previous:
            page.previous_cursor = encode_cursor(
                _keys(hits[0], key),
                sent,
                corrected=corrected,
                backward=True,
                point=point,
                ranking=ranking,
            )
    return page


def _keys(row: tuple[Any, ...], key: str) -> list[Any]:
    """A hit row's sort key and id, as a cursor carries them."""
    return [jsonable(row[14 + HIT_KEYS.index(key)]), row[2]]


# The sort keys as the page rows carry them (columns 14-19), for the next page's cursor.
HIT_KEYS = ("price_key", "distance", "knn", "score", "created_at", "next_start")
NO_PRICE_ASC, NO_PRICE_DESC = 2**63 - 1, -1


def _cents(exponent: int) -> str:
    """The viewer's price in hundredths of a major unit, the price buckets' unit ("25-50" is
    2501-5000), whatever the minor unit of the viewer's currency (yen have none)."""
    if exponent == 2:
        return "price"
    return (
        f"(price * {10 ** (2 - exponent)})" if exponent < 2 else f"(price / {10 ** (exponent - 2)})"
    )


def _facet_rows(*, exponent: int, weekend: bool, cities: bool) -> str:
    """The facet counts as rows of the page's shape: 'facet', the facet in the page's category
    column (5), the value in its city column (6), the count in the last one. A facet's counts
    ignore its own selection. Untyped NULLs take the page's column types. Without `weekend`
    (dates that leave this weekend out) "available this weekend" is 0, and nothing is probed.
    With `cities` (some chosen) the city facet keeps those chosen beyond its fifteen largest."""
    available = (
        f"""SELECT 'weekend', 'available', count(*) FROM base
                WHERE in_category AND in_language AND in_city
                  AND EXISTS (SELECT 1 FROM scheduling_slot s
                      WHERE s.listing_id = base.id AND s.status = 'open'
                        AND s.starts_at > %(weekend_after)s AND s.starts_at < %(weekend_to)s
                        AND (s.capacity - s.seats_taken >= %(weekend_guests)s
                             OR {SEATS_LEFT_SQL} >= %(weekend_guests)s))
                  -- A listing whose smallest group is larger than the party needs that many
                  -- seats: probed apart, so that the test above keeps the plan the planner
                  -- picks for it (a probe per listing or one hashed pass over the weekend;
                  -- correlated with min_group it always hashed: musee 66 -> 128 ms).
                  AND (base.min_group <= %(weekend_guests)s
                       OR EXISTS (SELECT 1 FROM scheduling_slot s
                           WHERE s.listing_id = base.id AND s.status = 'open'
                             AND s.starts_at > %(weekend_after)s AND s.starts_at < %(weekend_to)s
                             AND (s.capacity - s.seats_taken >= base.min_group
                                  OR {SEATS_LEFT_SQL} >= base.min_group)))"""
        if weekend
        else "SELECT 'weekend', 'available', 0::bigint"
    )
    chosen_city = f"value = ANY({W.CHOSEN_CITIES})" if cities else "FALSE"
    return f"""
        UNION ALL
        SELECT 'facet', {", ".join(["NULL"] * 4)}, facet, value, {", ".join(["NULL"] * 18)}, count
        FROM (
            -- Category, city, price and duration in one pass over the matches: one hash table
            -- per grouping set (they were four scans of them), each set counting the rows its
            -- facet counts (a facet's counts ignore its own selection).
            SELECT facet, value, count FROM (
                SELECT facet, value, count,
                       row_number() OVER (PARTITION BY facet ORDER BY count DESC, value) AS rank
                FROM (
                    SELECT CASE WHEN GROUPING(category) = 0 THEN 'category'
                                WHEN GROUPING(city) = 0 THEN 'city'
                                WHEN GROUPING(price_bucket) = 0 THEN 'price'
                                ELSE 'duration' END AS facet,
                           coalesce(category, city, price_bucket, duration_bucket) AS value,
                           CASE WHEN GROUPING(category) = 0
                                    THEN count(*) FILTER (WHERE in_language AND in_city)
                                WHEN GROUPING(city) = 0
                                    THEN count(*) FILTER (WHERE in_category AND in_language)
                                ELSE count(*) FILTER (WHERE in_category AND in_language AND in_city)
                           END AS count
                    FROM (
                        SELECT category, nullif(city, '') AS city,
                               {S.bucket_case(_cents(exponent), S.PRICE_BUCKETS)} AS price_bucket,
                               {S.bucket_case("duration", S.DURATION_BUCKETS)} AS duration_bucket,
                               in_category, in_language, in_city
                        FROM base) AS matches
                    GROUP BY GROUPING SETS ((category), (city), (price_bucket), (duration_bucket))
                ) AS sets
                WHERE value IS NOT NULL AND count > 0
            ) AS ranked
            -- The fifteen largest cities, and any selected beyond them (shown as chosen,
            -- with its count, as a selected category is): a test of the few rows left.
            WHERE facet <> 'city' OR rank <= 15 OR {chosen_city}
            -- unnest() in a select list (a ProjectSet over the matches) rather than as a lateral
            -- function scan rescanned for each match: 13 of 216 ms near Madrid.
            UNION ALL SELECT 'language', language, count(*) FROM (
                SELECT unnest(languages) AS language FROM base WHERE in_category AND in_city
            ) AS spoken GROUP BY language
            -- Probed only for the rows the count needs (those in every selection), not for
            -- every match: a correlated EXISTS on (listing_id, starts_at) per listing, or a
            -- hashed pass over the weekend's slots when that is cheaper (docs/benchmarks.md).
            UNION ALL {available}
        ) AS facet_counts"""


# The chosen cities as the listings spell them (the statement's `chosen`), in the city column
# (6): the city facet's values that are chosen, whatever case and accents the query wrote.
_SPELLING_ROWS = f"""
        UNION ALL
        SELECT 'spelling', {", ".join(["NULL"] * 5)}, city, {", ".join(["NULL"] * 19)}
        FROM chosen"""


def _facets(query: SearchQuery, rows: list[tuple[Any, ...]]) -> dict[str, list[FacetValue]]:
    """The facet rows of the statement (facet in column 5, value in 6, count last), sorted."""
    chosen = {
        "category": set(query.categories),
        "language": set(query.languages),
        "city": {row[6] for row in rows if row[0] == "spelling"},
    }
    facets: dict[str, list[FacetValue]] = {
        "category": [],
        "language": [],
        "city": [],
        "price": [],
        "duration": [],
        "weekend": [],
    }
    for row in rows:
        if row[0] != "facet":
            continue
        facet, value, count = row[5], row[6], row[-1]
        facets[facet].append(
            FacetValue(value=value, count=count, selected=value in chosen.get(facet, ()))
        )
    order = {
        "price": [b[0] for b in S.PRICE_BUCKETS],
        "duration": [b[0] for b in S.DURATION_BUCKETS],
    }
    for facet, values in facets.items():
        if facet in order:
            values.sort(key=lambda v: order[facet].index(v.value))
        else:
            values.sort(key=lambda v: (-v.count, v.value))
    return facets
