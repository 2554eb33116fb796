"""The explore query on PostgreSQL: one typed query in, one page of hits with facets out.

Text: the listing's search document (a trigger keeps it current) against the viewer's language
configuration, the unstemmed `simple` configuration (names shared across languages) and a prefix
match on the last word; when that finds too little, the words are corrected against the lexicon
(pg_trgm) and the corrected query is used, with a "did you mean". Place: earthdistance, whose
`<->` on `ll_to_earth` is a chord length, monotonic in the great-circle distance, so the GiST
index orders exactly. Availability: a listing is a hit only if it has a bookable slot.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.core import signing
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from outings.bookings.selectors import SEATS_LEFT_SQL
from outings.common.errors import DomainError
from outings.search import sql as S
from outings.search.query import (
    FacetValue,
    InvalidSearch,
    NextSlot,
    SearchHit,
    SearchPage,
    SearchQuery,
)

STATEMENT_TIMEOUT_MS = 2000
TYPO_THRESHOLD = 3  # fewer exact hits than this tries a corrected query
AVAILABILITY_HORIZON = timedelta(days=366)
_LAST_WORD = re.compile(r"(?:^|\s)(\w{2,})$")
_WORD = re.compile(r"\w+")
CURSOR_SALT = "outings.search.cursor"


class SearchTimeout(DomainError):
    code = "search_timeout"
    status_code = 503
    message = "The search took too long. Try fewer words or filters."


ORDER = {
    "relevance": ("score DESC, id DESC", ("score", "id"), "<"),
    # The chord length between the two ll_to_earth points: ordered like the great-circle distance,
    # and what the GiST index on ll_to_earth(latitude, longitude) can return nearest first.
    "distance": ("knn ASC, id ASC", ("knn", "id"), ">"),
    "price_asc": ("price ASC, id ASC", ("price", "id"), ">"),
    "price_desc": ("price DESC, id DESC", ("price", "id"), "<"),
    "newest": ("created_at DESC, id DESC", ("created_at", "id"), "<"),
    "soonest": ("next_start ASC, id ASC", ("next_start", "id"), ">"),
}


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
    # SET LOCAL needs a transaction: the settings then cover this search and nothing else.
    with transaction.atomic(), connection.cursor() as cursor:
        budget = _Budget()
        cursor.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
        rate = _rate(cursor, query.currency)
        page = _search(cursor, query, now, rate)
        if query.text and not page.hits and query.cursor is None:
            budget.renew(cursor)
            corrected = _correct(cursor, query.text)
            if corrected and corrected.lower() != query.text.lower():
                budget.renew(cursor)
                page = _search(cursor, _with_text(query, corrected), now, rate)
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
    values = {name: getattr(query, name) for name in query.__dataclass_fields__}
    values["text"] = text
    return SearchQuery(**values)


def _rate(cursor: Any, currency: str) -> tuple[Decimal, int]:
    """The viewer's exchange rate; also turns JIT off for the rest of the search: compiling a
    search's expressions (50-60 ms on the bench catalogue, where the server has LLVM) costs
    more than it saves on statements that take 1-400 ms."""
    cursor.execute(
        """SELECT set_config('jit', 'off', true), r.per_euro, r.exponent
           FROM (SELECT 1) AS one LEFT JOIN search_exchangerate r ON r.currency = %s""",
        [currency],
    )
    row = cursor.fetchone()
    if row is None or row[1] is None:
        raise InvalidSearch(fields={"currency": [f"No exchange rate for {currency!r}."]})
    return row[1], row[2]


def _window(query: SearchQuery, now: datetime) -> tuple[datetime, datetime] | None:
    """The instants between which a bookable slot is wanted, or None for no availability filter."""
    if query.date_from is None and query.date_to is None and query.guests is None:
        return None
    zone = ZoneInfo(query.time_zone)
    start = now
    if query.date_from is not None:
        start = max(now, datetime.combine(query.date_from, time(), zone).astimezone(UTC))
    end = now + AVAILABILITY_HORIZON
    if query.date_to is not None:
        end = datetime.combine(query.date_to + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def _weekend(query: SearchQuery, now: datetime) -> tuple[datetime, datetime]:
    """The coming (or current) Saturday and Sunday in the viewer's zone."""
    zone = ZoneInfo(query.time_zone)
    today = now.astimezone(zone).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 if today.weekday() != 6 else -1)
    start = datetime.combine(saturday, time(), zone).astimezone(UTC)
    return max(start, now), datetime.combine(saturday + timedelta(days=2), time(), zone).astimezone(
        UTC
    )


def _text_query(query: SearchQuery, conditions: S.Conditions) -> str:
    """The tsquery expression; its parameters are added to `conditions`."""
    match = _LAST_WORD.search(query.text)
    head = query.text[: match.start(1)] if match else ""
    conditions.params.update(
        text=query.text, language=query.language, head=head, prefix=match.group(1) if match else ""
    )
    tsquery = (
        "(websearch_to_tsquery(outings_ts_config(%(language)s), %(text)s)"
        " || websearch_to_tsquery('outings_simple', %(text)s)"
    )
    if match and '"' not in query.text:
        tsquery += (
            " || (websearch_to_tsquery(outings_ts_config(%(language)s), %(head)s)"
            " && to_tsquery('outings_simple', quote_literal(%(prefix)s) || ':*'))"
        )
    return tsquery + ")"


def _common(query: SearchQuery, now: datetime, rate: tuple[Decimal, int]) -> S.Conditions:
    """Conditions every row must meet, whatever the facets say."""
    where = S.Conditions()
    where.add(
        "l.status = 'published'",
        currency=query.currency,
        currency_rate=rate[0],
        currency_exponent=rate[1],
    )
    if query.text:
        where.add(f"l.search_vector @@ {_text_query(query, where)}")
    if query.country:
        where.add("l.country_code = %(country)s", country=query.country.upper())
    if query.price_min is not None:
        where.add(f"{S.PRICE} >= %(price_min)s", price_min=query.price_min)
    if query.price_max is not None:
        where.add(f"{S.PRICE} <= %(price_max)s", price_max=query.price_max)
    if query.duration_min is not None:
        where.add("l.duration_minutes >= %(duration_min)s", duration_min=query.duration_min)
    if query.duration_max is not None:
        where.add("l.duration_minutes <= %(duration_max)s", duration_max=query.duration_max)
    if query.near is not None:
        where.params.update(lat=query.near.latitude, lng=query.near.longitude)
        where.add("l.latitude IS NOT NULL")
        if query.radius_km is not None:
            where.add(
                f"earth_box({S.POINT}, %(radius_m)s) @> {S.PLACE}"
                f" AND {S.DISTANCE_M} <= %(radius_m)s",
                radius_m=query.radius_km * 1000,
            )
    if query.bbox is not None:
        box = query.bbox
        where.add("l.latitude BETWEEN %(south)s AND %(north)s", south=box.south, north=box.north)
        longitude = (
            "l.longitude BETWEEN %(west)s AND %(east)s"
            if box.west <= box.east
            else "(l.longitude >= %(west)s OR l.longitude <= %(east)s)"
        )
        where.add(longitude, west=box.west, east=box.east)
    window = _window(query, now)
    if window is not None:
        where.params.update(
            available_from=window[0], available_to=window[1], guests=query.guests or 1, now=now
        )
        # A probe of (listing_id, starts_at) for each listing the other conditions keep.
        # OFFSET 0 keeps the planner from turning the EXISTS into a join: it would then read
        # and hash every slot of the window (132,313 for a week on the bench catalogue, 26,206
        # pages) whenever a word matches thousands of listings, because it costs the probes as
        # disk reads. Probing was 2-7 times faster for text with dates (docs/benchmarks.md).
        where.add(
            f"EXISTS (SELECT 1 FROM scheduling_slot s WHERE s.listing_id = l.id"
            f" AND {S.BOOKABLE_SLOT} OFFSET 0)"
        )
    return where


def _facet_conditions(query: SearchQuery) -> dict[str, str]:
    """Each multi-select facet's own condition (TRUE when nothing is selected in it)."""
    return {
        "category": "c.slug = ANY(%(categories)s)" if query.categories else "TRUE",
        "language": "l.languages && %(languages)s" if query.languages else "TRUE",
        "city": "l.city = ANY(%(cities)s)" if query.cities else "TRUE",
    }


def _search(
    cursor: Any, query: SearchQuery, now: datetime, rate: tuple[Decimal, int]
) -> SearchPage:
    """The page and its facets in one statement: the matching rows are found once, in a
    MATERIALIZED CTE with only what ordering and counting need, and both the page and the facet
    counts read them from there (they were two statements that each found them)."""
    where = _common(query, now, rate)
    own = _facet_conditions(query)
    order, keys, comparison = ORDER[query.sort]
    params = dict(where.params)
    window = _window(query, now) or (now, now + AVAILABILITY_HORIZON)
    weekend_from, weekend_to = _weekend(query, now)
    params.update(
        categories=list(query.categories),
        languages=list(query.languages),
        cities=list(query.cities),
        now=now,
        available_from=window[0],
        available_to=window[1],
        guests=query.guests or 1,
        weekend_from=weekend_from,
        weekend_to=weekend_to,
        weekend_guests=query.guests or 1,
        limit=query.limit + 1,
    )
    keyset = "TRUE"
    if query.cursor:
        values = _decode_cursor(query.cursor, query)
        keyset = f"({', '.join(keys)}) {comparison} (%(k0)s, %(k1)s)"
        params.update(k0=values[0], k1=values[1])
    distance = f"{S.DISTANCE_M} / 1000.0" if query.near is not None else "NULL::float"
    knn = f"({S.PLACE} <-> {S.POINT})" if query.near is not None else "NULL::float"
    next_start = "NULL::timestamptz"
    if query.sort == "soonest":
        next_start = (
            f"(SELECT min(s.starts_at) FROM scheduling_slot s"
            f" WHERE s.listing_id = l.id AND {S.BOOKABLE_SLOT})"
        )
    # The buckets are computed from these by the facet counts, for the rows they count.
    facet_columns = " l.duration_minutes AS duration," if query.facets else ""
    soonest_only = "next_start IS NOT NULL" if query.sort == "soonest" else "TRUE"
    # Without facets nothing else reads the matches: left to the planner, the page can stop
    # early (the distance sort walks the GiST index nearest first).
    materialized = "MATERIALIZED" if query.facets else "NOT MATERIALIZED"
    statement = f"""
        WITH base AS {materialized} (
            SELECT l.id, c.slug AS category, l.city, l.languages, l.created_at,
                   {S.PRICE} AS price, {distance} AS distance, {knn} AS knn,
                   {_score(query)} AS score, {next_start} AS next_start,{facet_columns}
                   {own["category"]} AS in_category, {own["language"]} AS in_language,
                   {own["city"]} AS in_city
            {S.FROM_LISTINGS}
            WHERE {where.sql()}
        ), page AS (
            SELECT id, category, price, distance, knn, score, created_at, next_start,
                   row_number() OVER (ORDER BY {order}) AS n
            FROM base
            WHERE in_category AND in_language AND in_city AND {keyset} AND {soonest_only}
            ORDER BY {order} LIMIT %(limit)s
        )
        SELECT 'hit', p.n, p.id, l.title, l.summary, p.category, l.city, l.country_code,
               l.price_amount, l.currency, l.duration_minutes, l.latitude, l.longitude,
               l.image_url, p.price, p.distance, p.knn, p.score, p.created_at, p.next_start,
               slot.id, slot.starts_at, slot.seats_left, NULL::bigint
        FROM page p
        JOIN catalog_listing l ON l.id = p.id
        LEFT JOIN LATERAL (
            SELECT s.id, s.starts_at, {SEATS_LEFT_SQL} AS seats_left FROM scheduling_slot s
            WHERE s.listing_id = p.id AND {S.BOOKABLE_SLOT}
            ORDER BY s.starts_at LIMIT 1
        ) slot ON TRUE
        {_facet_rows() if query.facets else ""}
    """
    cursor.execute(statement, params)
    rows = cursor.fetchall()
    hits = sorted((row for row in rows if row[0] == "hit"), key=lambda row: row[1])
    more = len(hits) > query.limit
    hits = hits[: query.limit]
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
            )
            for row in hits
        ],
        facets=_facets(query, [row for row in rows if row[0] != "hit"]) if query.facets else {},
    )
    if more and hits:
        last = dict(zip(HIT_KEYS, hits[-1][14:20], strict=True)) | {"id": hits[-1][2]}
        page.next_cursor = _encode_cursor([_jsonable(last[keys[0]]), last["id"]], query)
    return page


def _score(query: SearchQuery) -> str:
    quality = (
        "(1 + (CASE WHEN l.image_url <> '' THEN 0.2 ELSE 0 END)"
        " + (CASE WHEN l.kind = 'experience' THEN 0.3 ELSE 0 END))"
    )
    text = (
        f"ts_rank(l.search_vector, {_text_query(query, S.Conditions())}, 1)"
        if query.text
        else "0.1"
    )
    score = f"({text} * {quality})"
    if query.near is not None:
        score = f"({score} / (1 + {S.DISTANCE_M} / 25000.0))"
    return f"round(({score})::numeric, 9)"


# The sort keys as the page rows carry them (columns 14-19), for the next page's cursor.
HIT_KEYS = ("price", "distance", "knn", "score", "created_at", "next_start")


def _facet_rows() -> str:
    """The facet counts as rows of the page's shape: 'facet', the facet in the page's category
    column (5), the value in its city column (6), the count in the last one. A facet's counts
    ignore its own selection. Untyped NULLs take the page's column types."""
    return f"""
        UNION ALL
        SELECT 'facet', {", ".join(["NULL"] * 4)}, facet, value, {", ".join(["NULL"] * 16)}, count
        FROM (
            SELECT 'category' AS facet, category AS value, count(*) AS count FROM base
                WHERE in_language AND in_city GROUP BY category
            UNION ALL SELECT 'language', language, count(*) FROM base, unnest(languages) language
                WHERE in_category AND in_city GROUP BY language
            UNION ALL (SELECT 'city', city, count(*) FROM base
                WHERE in_category AND in_language AND city <> '' GROUP BY city
                ORDER BY count(*) DESC, city LIMIT 15)
            UNION ALL SELECT 'price', bucket, count(*) FROM (
                SELECT {S.bucket_case("price", S.PRICE_BUCKETS)} AS bucket FROM base
                WHERE in_category AND in_language AND in_city) AS prices
                WHERE bucket IS NOT NULL GROUP BY bucket
            UNION ALL SELECT 'duration', bucket, count(*) FROM (
                SELECT {S.bucket_case("duration", S.DURATION_BUCKETS)} AS bucket FROM base
                WHERE in_category AND in_language AND in_city) AS durations
                WHERE bucket IS NOT NULL GROUP BY bucket
            -- Probed only for the rows the count needs (those in every selection), not for
            -- every match: a correlated EXISTS on (listing_id, starts_at) per listing, or a
            -- hashed pass over the weekend's slots when that is cheaper (docs/benchmarks.md).
            UNION ALL SELECT 'weekend', 'available', count(*) FROM base
                WHERE in_category AND in_language AND in_city
                  AND EXISTS (SELECT 1 FROM scheduling_slot s
                      WHERE s.listing_id = base.id AND s.status = 'open'
                        AND s.starts_at >= %(weekend_from)s AND s.starts_at < %(weekend_to)s
                        AND (s.capacity - s.seats_taken >= %(weekend_guests)s
                             OR {SEATS_LEFT_SQL} >= %(weekend_guests)s))
        ) AS facet_counts"""


def _facets(query: SearchQuery, rows: list[tuple[Any, ...]]) -> dict[str, list[FacetValue]]:
    """The facet rows of the statement (facet in column 5, value in 6, count last), sorted."""
    chosen = {
        "category": set(query.categories),
        "language": set(query.languages),
        "city": set(query.cities),
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


def _correct(cursor: Any, text: str) -> str | None:
    """The query with each word unknown to the lexicon replaced by its closest known word.
    Words are normalised by the database, as the lexicon's were (unaccent, lower())."""
    words = _WORD.findall(text.lower())
    if not words or len(words) > 8:
        return None
    cursor.execute(
        """SELECT t.raw, (SELECT x.word FROM search_lexeme x WHERE lower(x.word) %% w.word
                          ORDER BY similarity(lower(x.word), w.word)
                                   + 0.05 * ln(1 + x.documents) DESC, x.word
                          LIMIT 1),
                  EXISTS (SELECT 1 FROM search_lexeme y WHERE y.word = w.word)
           FROM unnest(%s::text[]) AS t(raw)
           CROSS JOIN LATERAL (SELECT lower(outings_unaccent(t.raw)) AS word) AS w""",
        [words],
    )
    replacements = {}
    for word, closest, known in cursor.fetchall():
        if not known and closest:
            replacements[word] = closest
    if not replacements:
        return None
    return " ".join(replacements.get(w, w) for w in words)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def cursor_fingerprint(query: SearchQuery) -> list[Any]:
    return [
        query.text,
        query.sort,
        list(query.categories),
        query.price_min,
        query.price_max,
        query.currency,
        query.duration_min,
        query.duration_max,
        list(query.languages),
        list(query.cities),
        query.country,
        str(query.date_from),
        str(query.date_to),
        query.guests,
        query.near and [query.near.latitude, query.near.longitude],
        query.radius_km,
        query.bbox and list(vars(query.bbox).values()),
    ]


def _encode_cursor(values: list[Any], query: SearchQuery) -> str:
    return signing.dumps(
        {"k": values, "q": cursor_fingerprint(query)}, salt=CURSOR_SALT, compress=True
    )


def _decode_cursor(cursor: str, query: SearchQuery) -> list[Any]:
    try:
        data = signing.loads(cursor, salt=CURSOR_SALT)
    except signing.BadSignature as error:
        raise InvalidSearch(fields={"cursor": ["Malformed or tampered cursor."]}) from error
    if not isinstance(data, dict) or data.get("q") != cursor_fingerprint(query):
        raise InvalidSearch(fields={"cursor": ["This cursor belongs to another search."]})
    values = data.get("k")
    if not isinstance(values, list) or len(values) != 2:
        raise InvalidSearch(fields={"cursor": ["Malformed cursor."]})
    if query.sort in ("newest", "soonest") and isinstance(values[0], str):
        values[0] = datetime.fromisoformat(values[0])
    elif query.sort == "relevance" and isinstance(values[0], str):
        values[0] = Decimal(values[0])
    return values
