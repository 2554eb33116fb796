"""The WHERE clause of a search and the pieces of it the page and its facets reuse: the text
query, the availability window, the coming weekend, each multi-select facet's own condition and
the ranking score."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outings.search import sql as S
from outings.search.query import SearchQuery

AVAILABILITY_HORIZON = timedelta(days=366)
_LAST_WORD = re.compile(r"(?:^|\s)(\w{2,})$")
_TRAILING_OR = re.compile(r"(?:^|\s)or\s+$", re.IGNORECASE)


def window(query: SearchQuery, now: datetime) -> tuple[datetime, datetime] | None:
    """The instants between which a bookable slot is wanted, or None for no availability filter.
    A range without an end looks AVAILABILITY_HORIZON past its start (now, or the From day)."""
    if query.date_from is None and query.date_to is None and query.guests is None:
        return None
    zone = ZoneInfo(query.time_zone)
    start = now
    if query.date_from is not None:
        start = max(now, datetime.combine(query.date_from, time(), zone).astimezone(UTC))
    end = start + AVAILABILITY_HORIZON
    if query.date_to is not None:
        end = datetime.combine(query.date_to + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def after(start: datetime, now: datetime) -> datetime:
    """The strict lower bound of a window of dates that starts at `start` (one of window's or
    weekend's, never before `now`). A date starting at `now` has begun: a hold takes seats only
    on a date that starts after now (bookings' seat UPDATE), so the search offers none that
    starts at now, as the bookable dates do not (scheduling.selectors); `>= now` offered it,
    and the hold refused it (until session 19). A window from a chosen day's first instant,
    ahead of now, takes a date starting then: timestamps are whole microseconds, so `> start -
    1 µs` is `>= start`. One comparison a row either way."""
    return start if start <= now else start - timedelta(microseconds=1)


def weekend(query: SearchQuery, now: datetime) -> tuple[datetime, datetime]:
    """The coming (or current) Saturday and Sunday in the viewer's zone."""
    zone = ZoneInfo(query.time_zone)
    today = now.astimezone(zone).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 if today.weekday() != 6 else -1)
    start = datetime.combine(saturday, time(), zone).astimezone(UTC)
    return max(start, now), datetime.combine(saturday + timedelta(days=2), time(), zone).astimezone(
        UTC
    )


def weekend_within(query: SearchQuery, now: datetime) -> tuple[datetime, datetime] | None:
    """The part of the coming weekend that the dates searched take in, which "available this
    weekend" counts (docs/search.md, "Facets"), or None when they leave it out (dates of a
    later week): a count of the results bookable this weekend, as far as the search asks.
    Without dates the search looks a year ahead, which takes in the whole weekend."""
    start, end = weekend(query, now)
    dates = window(query, now)
    if dates is not None:
        start, end = max(start, dates[0]), min(end, dates[1])
    return (start, end) if start < end else None


def text_query(query: SearchQuery, conditions: S.Conditions) -> str:
    """The tsquery expression; its parameters are added to `conditions`. The text is read in
    every language of the catalogue, not only the page's (`outings_websearch_any`, search.0017):
    a guest on the English page who types "visita guiada" finds "Visitas guiadas", stemmed in
    Spanish. Every function in it is immutable and its values are literals, so PostgreSQL
    computes the whole tsquery once, when it plans the statement, not once per row."""
    match = _LAST_WORD.search(query.text)
    head = query.text[: match.start(1)] if match else ""
    # "canoe or harb": the prefix is the other side of the "or", which the head alone
    # ("canoe or ") would drop.
    alternative = _TRAILING_OR.search(head)
    if alternative:
        head = head[: alternative.start()]
    conditions.params.update(text=query.text, head=head, prefix=match.group(1) if match else "")
    tsquery = "outings_websearch_any(%(text)s)"
    if match and '"' not in query.text:
        operator = "||" if alternative else "&&"
        tsquery += (
            f" || (outings_websearch_any(%(head)s)"
            f" {operator} to_tsquery('outings_simple', quote_literal(%(prefix)s) || ':*'))"
        )
    return f"({tsquery})"


def common(query: SearchQuery, now: datetime) -> S.Conditions:
    """Conditions every row must meet, whatever the facets say. The availability window's
    parameters (`available_after`, `available_to`, `guests`, `now`) are the page's to bind
    (page.run_page): its next bookable slot of each hit reads them in every search."""
    where = S.Conditions()
    where.add("l.status = 'published'", currency=query.currency)
    if query.text:
        where.add(f"l.search_vector @@ {text_query(query, where)}")
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
        # A listing with a point (both coordinates: nothing keeps them together, and without
        # its longitude `place` is NULL, which least() in the distance read as half the earth
        # away). One test a row either way, of a column the distance reads anyway.
        where.add(f"{S.PLACE} IS NOT NULL")
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
    if query.guests is not None:
        # A party the listing takes as one booking (what a hold checks).
        where.add(
            "l.min_group_size <= %(guests)s AND l.max_group_size >= %(guests)s",
            guests=query.guests,
        )
    # "Soonest available" lists only what can be booked (without dates, in the year from now
    # that the page binds): the facets count the same rows.
    if window(query, now) is not None or query.sort == "soonest":
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


# The listings' spellings of the chosen cities (%(cities)s), compared as a place name is
# (related.find_place): without case or accents, so that "madrid" chooses "Madrid" and "malaga"
# "Málaga". Read once a statement, before the matches (page.run_page's `chosen`), through the
# expression index `listing_city_folded` (search.0023): each match is then compared with them
# as written, as before (an unaccent a match cost 2 µs, 56 ms over the real catalogue).
CITY_SPELLINGS = """SELECT DISTINCT spelled.city FROM catalog_listing spelled
    WHERE lower(outings_unaccent(spelled.city)) = ANY(ARRAY(
        SELECT lower(outings_unaccent(chosen)) FROM unnest(%(cities)s::text[]) AS chosen))"""
# The spellings as the page's statement holds them (its CTE `chosen`, when cities are chosen).
CHOSEN_CITIES = "ARRAY(SELECT city FROM chosen)"


def facet_conditions(query: SearchQuery) -> dict[str, str]:
    """Each multi-select facet's own condition (TRUE when nothing is selected in it)."""
    return {
        "category": "c.slug = ANY(%(categories)s)" if query.categories else "TRUE",
        "language": "l.languages && %(languages)s" if query.languages else "TRUE",
        "city": f"l.city = ANY({CHOSEN_CITIES})" if query.cities else "TRUE",
    }


def score(query: SearchQuery, *, quality: str = "l.search_quality") -> str:
    """The ranking score, a float8: text relevance times the listing's quality, divided by the
    distance when a point is given. Quality is `catalog_listing.search_quality` (search.0015), a
    column PostgreSQL generates from the photo, the kind (an experience ranks above a place) and
    the bookings and freshness that the hourly refresh stores (services.refresh_ranking;
    counting them here would cost every match); the narrow index of filter-only searches
    carries it. Typed constants keep the arithmetic in float8; numeric literals made it
    numeric, and its rounding, 1.6 us a row (33 ms over the 20,520 listings within 25 km of
    Madrid, docs/benchmarks.md). `quality` is the expression of the quality: a later page of a
    search read before the hourly refresh reads it as its first page did (engine/asof.py)."""
    text = (
        f"ts_rank(l.search_vector, {text_query(query, S.Conditions())}, 1)"
        if query.text
        else "float8 '0.1'"
    )
    score = f"({text} * {quality})"
    if query.near is not None:
        score = f"({score} / (float8 '1' + {S.DISTANCE_M} / float8 '25000'))"
    return score
