""" "More like this" and autocomplete: the explore boundary's two smaller questions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from outings.catalog.models import CATEGORY_NAMES
from outings.search import sql as S
from outings.search.engine.where import AVAILABILITY_HORIZON
from outings.search.query import CONTROL

MAX_SUGGESTIONS = 10
MAX_PREFIX = 100
# How many more rows than suggestions the whole labels can hold: a category up to three (its
# slug, English and German names, services.refresh_lexicon), shown once; a title is one row,
# and so is a place, shown apart from another country's place of its name ("Paris, FR",
# "Paris, US"). The words inside titles are taken once a title before they are counted.
SPARE = 2 * len(CATEGORY_NAMES)
# What makes a suggestion one (the statement's DISTINCT ON), and what "fewer than ten" counts:
# a label of its kind, but a place by its row, since each country's place of a name is shown.
# Counted by label, two places of one name were one, and ten starts with Paris, FR and Paris,
# US among them also read the words and the trigram fill-up (until session 23).
SHOWN = "kind, CASE WHEN kind = 'place' THEN id::text ELSE label END"


# What "more like this" may offer: a place, or an experience with a bookable date (as search
# means it: within the horizon, seats for its smallest group; sql.BOOKABLE_SLOT, a party of
# one). A probe of the slots' covering index (listing_id, starts_at) a candidate; OFFSET 0
# keeps it a probe, as in the search (engine.where.common), rather than a join that reads and
# hashes every open slot of the year.
OFFERED = f"""(l.kind = 'place' OR EXISTS (
    SELECT 1 FROM scheduling_slot s WHERE s.listing_id = l.id AND {S.BOOKABLE_SLOT} OFFSET 0))"""
# How many matches each candidate set reads at most to find its bound of listings it may
# offer: a probe each, stopping at the bound, so as many probes as the bound when nearly
# every match can be booked (the catalogue as imported), and never more than this many
# (about 2.6 µs each on the bench, docs/benchmarks.md) when few can.
SCANNED = 2_000


@dataclass(frozen=True)
class Similar:
    listing_id: int
    title: str
    category: str
    city: str
    distance_km: float | None
    content_language: str = "en"  # the language its title is written in


def similar(*, listing_id: int, limit: int = 8, now: datetime | None = None) -> list[Similar]:
    """Published, bookable-or-place listings that share the listing's significant words, with
    the same category and nearness as bonuses. The listing's own title and tags, stemmed in its
    language, are the query: stop words are already gone from them."""
    now = now or timezone.now()
    statement = f"""
        WITH words AS (
            SELECT l.id, l.category_id, l.latitude, l.longitude, l.place, l.content_language,
                   ARRAY(SELECT quote_literal(word) FROM unnest(tsvector_to_array(
                       to_tsvector(outings_ts_config(l.content_language),
                                   l.title || ' ' || array_to_string(l.tags, ' '))
                   )) AS word WHERE length(word) > 2) AS words
            FROM catalog_listing l WHERE l.id = %(id)s
        ), me AS (
            SELECT id, category_id, latitude, longitude, place,
                   to_tsquery(outings_ts_config(content_language),
                              coalesce(nullif(array_to_string(words, ' | '), ''), 'zzzzzz'))
                       AS query,
                   to_tsquery(outings_ts_config(content_language),
                              coalesce(nullif(array_to_string(words, ' & '), ''), 'zzzzzz'))
                       AS every_word,
                   -- Left out of each candidate set, not only of the answer: a suspended
                   -- host's listings would fill the sets' bounds and crowd the others out.
                   -- Read once (a scan of the host profiles); a row then pays a comparison
                   -- with this array, empty as a rule, where a join would probe an index.
                   ARRAY(SELECT id FROM accounts_hostprofile WHERE suspended_at IS NOT NULL)
                       AS suspended
            FROM words
        ), candidates AS (
            -- Those that share every word, then the 500 that share most among the first
            -- 1,000 matches of any word: bounded either way (the index answers both, ts_rank
            -- ranks at most 1,000), where 500 arbitrary matches of a common word could leave
            -- out the listing most like this one. Ranking every match instead costs
            -- O(matches): 25 ms for 2,644 matches on the real catalogue. Each set counts only
            -- what may be offered (related.OFFERED), probed as the scan goes and stopping at
            -- the set's bound, among at most related.SCANNED matches.
            (SELECT l.id FROM (
                SELECT l.id, l.kind, l.min_group_size FROM catalog_listing l, me
                WHERE l.search_vector @@ me.every_word AND l.id <> me.id
                  AND l.status = 'published' AND l.host_id <> ALL (me.suspended)
                LIMIT %(scanned)s
             ) l
             WHERE {OFFERED}
             LIMIT 500)
            UNION
            (SELECT m.id FROM me, (
                SELECT l.id, l.search_vector FROM (
                    SELECT l.id, l.kind, l.min_group_size, l.search_vector
                    FROM catalog_listing l, me
                    WHERE l.search_vector @@ me.query AND l.id <> me.id
                      AND l.status = 'published' AND l.host_id <> ALL (me.suspended)
                    LIMIT %(scanned)s
                ) l
                WHERE {OFFERED}
                LIMIT 1000
             ) m
             ORDER BY ts_rank(m.search_vector, me.query) DESC, m.id
             LIMIT 500)
        ), nearby AS (
            -- LATERAL, so that the nearest-first order and the limit apply to the place index's
            -- own walk (GiST, nearest first, stopping after 50 of the category), not to a sort
            -- of the whole category after a join with `me` (17,000 rows in the real
            -- catalogue's biggest: 35 -> 12 ms). Those of the 50 that may be offered: the
            -- walk goes no further, since each listing more of the category walks past those
            -- of every other category nearer (2,000 cost 320 ms where most are not offered).
            SELECT n.id FROM me CROSS JOIN LATERAL (
                SELECT l.id FROM (
                    SELECT l.id, l.kind, l.min_group_size FROM catalog_listing l
                    WHERE l.category_id = me.category_id AND l.id <> me.id
                      AND l.status = 'published' AND l.place IS NOT NULL
                      AND l.host_id <> ALL (me.suspended)
                    ORDER BY {S.PLACE} <-> me.place
                    LIMIT 50
                ) l
                WHERE {OFFERED}
            ) n
            WHERE me.place IS NOT NULL
        )
        SELECT l.id, l.title, c.slug, l.city, l.content_language,
               CASE WHEN me.place IS NULL OR l.place IS NULL THEN NULL
                    ELSE {S.great_circle_m(S.PLACE, "me.place")}
                         / 1000.0 END AS km
        {S.FROM_LISTINGS}
        CROSS JOIN me
        CROSS JOIN LATERAL (SELECT (l.category_id = me.category_id)::int AS same_category) x
        WHERE l.id IN (SELECT id FROM candidates UNION SELECT id FROM nearby)
        ORDER BY (ts_rank(l.search_vector, me.query) * (1 + 0.5 * same_category)
                  + 0.01 * same_category)
                 / (1 + coalesce({S.great_circle_m(S.PLACE, "me.place")}, 1e7) / 50000.0) DESC,
                 l.id
        LIMIT %(limit)s
    """
    with connection.cursor() as cursor:
        # Bookable as search means it: a date within the horizon with seats for the listing's
        # smallest group (sql.BOOKABLE_SLOT, a party of one).
        params: dict[str, Any] = {
            "id": listing_id,
            "limit": limit,
            "now": now,
            "available_after": now,
            "available_to": now + AVAILABILITY_HORIZON,
            "guests": 1,
            "scanned": SCANNED,
        }
        cursor.execute(statement, params)
        return [
            Similar(
                listing_id=row[0],
                title=row[1],
                category=row[2],
                city=row[3],
                distance_km=round(row[5], 3) if row[5] is not None else None,
                content_language=row[4],
            )
            for row in cursor.fetchall()
        ]


@dataclass(frozen=True)
class Completion:
    kind: str  # title, category or place
    label: str
    listing_id: int | None
    content_language: str | None = None  # a title's: the language it is written in


# The prefix as the stored `normalized` column is made (services.refresh_lexicon): by the
# database's own lower() and unaccent, so that both sides agree on every letter (Python's
# lower() and NFKD differ from them on "й", "ß", "ø", ...). Every function in it is immutable
# and its argument a literal, so PostgreSQL folds it to a constant when planning: the LIKE
# pattern below is a constant prefix that the btree index can range-scan.
NORMALIZED = "lower(outings_unaccent(%(text)s))"
# The LIKE pattern of the normalised text as a prefix, its wildcards taken literally.
PATTERN = f"replace(replace(replace({NORMALIZED}, '\\', '\\\\'), '%%', '\\%%'), '_', '\\_') || '%%'"


def autocomplete(*, prefix: str) -> list[Completion]:
    """Up to ten titles, categories and places: prefix matches first (by weight), then close
    spellings (trigram, nearest first by the GiST index) to fill up. Reads one small table
    through its two indexes; each label once (a category found by its slug and by its name
    too), so the ten are ten different ones. A
    title whose listing stops being public leaves the table at once (search.0010's triggers)."""
    text = " ".join(CONTROL.sub(" ", prefix).split())[:MAX_PREFIX]
    if len(normalize(text)) < 2:
        return []
    with connection.cursor() as cursor:
        # One round trip. The fill-up runs only when the prefix found fewer than ten: the
        # planner tests that first (a one-time filter) and skips the trigram index otherwise.
        # Without a single trigram (punctuation only, or letters that a C-locale database does
        # not classify) `%` could use no index and would test every row: skipped as well.
        # A suggestion is offered once (DISTINCT ON SHOWN), and each part reads enough rows
        # for ten different ones after that: the prefix part as many more as a label can have
        # copies (SPARE), the words one row a title (its last word that starts so, as its
        # rows came in their order), the fill-up also as many as it may find again of what
        # the others found.
        cursor.execute(
            f"""WITH prefix AS MATERIALIZED (
                    SELECT kind, label, listing_id, 0 AS part, -weight::float8 AS a,
                           length(normalized)::float8 AS b, id
                    FROM search_suggestion
                    WHERE word = 0 AND normalized LIKE {PATTERN}
                    ORDER BY weight DESC, length(normalized), id LIMIT %(limit)s + %(spare)s
                ), words AS MATERIALIZED (
                    -- Titles with a word that starts so, after those that start so, and only
                    -- when those are too few: a prefix that many titles start with never
                    -- reads the words (suggestion_word_prefix), which are several a title:
                    -- each title once before the LIMIT, or a few titles with many such words
                    -- filled it and fewer than ten came back (until session 23).
                    SELECT * FROM (
                        SELECT DISTINCT ON (label) kind, label, listing_id, 1 AS part,
                               -weight::float8 AS a, length(normalized)::float8 AS b, id
                        FROM search_suggestion
                        WHERE (SELECT count(DISTINCT ({SHOWN})) FROM prefix) < %(limit)s
                          AND word > 0 AND normalized LIKE {PATTERN}
                        ORDER BY label, length(normalized), id
                    ) AS each_title
                    ORDER BY a, b, id LIMIT 2 * %(limit)s
                ), found AS (
                    SELECT * FROM prefix UNION ALL SELECT * FROM words
                )
                SELECT kind,
                       -- A place whose name another country's place has too names its
                       -- country ("Paris, US"), as find_place reads it; for the ten rows
                       -- shown only (after the LIMIT), as a title's language.
                       CASE WHEN kind = 'place' THEN (
                           SELECT p.label || CASE WHEN EXISTS (
                               SELECT 1 FROM search_suggestion o
                               WHERE o.kind = 'place' AND o.word = 0
                                 AND o.normalized ~>=~ p.normalized
                                 AND o.normalized ~<=~ p.normalized AND o.id <> p.id
                           ) THEN ', ' || p.country_code ELSE '' END
                           FROM search_suggestion p WHERE p.id = one_each.id)
                       ELSE label END,
                       listing_id,
                       CASE WHEN kind = 'title' THEN (SELECT l.content_language
                           FROM catalog_listing l WHERE l.id = listing_id) END
                FROM (
                    -- A label once, but each country's place of one name.
                    SELECT DISTINCT ON ({SHOWN}) * FROM (
                        SELECT * FROM found
                        UNION ALL (
                            SELECT kind, label, listing_id, 2, normalized <-> {NORMALIZED},
                                   -weight::float8, id
                            FROM search_suggestion
                            WHERE (SELECT count(DISTINCT ({SHOWN})) FROM found) < %(limit)s
                              AND cardinality(show_trgm({NORMALIZED})) > 0
                              AND word = 0 AND normalized %% {NORMALIZED}
                            ORDER BY normalized <-> {NORMALIZED}, weight DESC, id
                            LIMIT 3 * %(limit)s + %(spare)s
                        )
                    ) AS found
                    ORDER BY {SHOWN}, part, a, b, id
                ) AS one_each
                ORDER BY part, a, b, id LIMIT %(limit)s""",
            {"text": text, "limit": MAX_SUGGESTIONS, "spare": SPARE},
        )
        return [
            Completion(kind=kind, label=label, listing_id=listing_id, content_language=language)
            for kind, label, listing_id, language in cursor.fetchall()
        ]


def normalize(text: str) -> str:
    """Lower case without accents, in Python: close to, but not the same as, what the database's
    lower(outings_unaccent(...)) makes of a text ("й" loses its breve here, "ß" stays). Only for
    length checks; anything compared with stored text is normalised by the database."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Place:
    """A place of the catalogue: its point, and its name as the database compares it (lower
    case, without accents: "malaga" for "Málaga", "MALAGA" and "Malaga")."""

    latitude: float
    longitude: float
    name: str


# A whole label equal to the normalised text, through `suggestion_prefix`: its text_pattern_ops
# range with both ends the text (equal, byte for byte). Written `normalized = ...` the planner
# costed the trigram GiST index (which also answers `=`) a little cheaper and took it, and
# read most of it: 16-33 ms a place name on the real catalogue, against 0.02 ms.
SAME_LABEL = f"word = 0 AND normalized ~>=~ {NORMALIZED} AND normalized ~<=~ {NORMALIZED}"


def find_place(name: str, *, country: str = "") -> Place | None:
    """A place name's point from the catalogue's own places (offline, no geocoder). A name
    that several countries share is the same place every time: the one of the country that
    the name itself ends with ("Paris, US", as autocomplete offers such places), else the one
    in the search's `country` if it has one, else the one with the most listings (the place
    the catalogue, and so its visitors, are about), else the one spelled as typed, else the
    first country by its code. A place that its name's country chose is named with it
    ("paris, us"), the name a search's cursors are bound to: another place than "paris"."""
    text = " ".join(CONTROL.sub(" ", name).split())[:MAX_PREFIX]
    # "Paris, US": the place named "Paris" in the US, unless a place is named so as a whole.
    named = _COUNTRY_NAMED.match(text)
    head, code = (named[1], named[2].upper()) if named else ("", "")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT latitude, longitude, name FROM (
                   SELECT latitude, longitude, normalized AS name, 0 AS by_name, country_code,
                          weight, label, id
                   FROM search_suggestion
                   WHERE kind = 'place' AND {SAME_LABEL} AND latitude IS NOT NULL
                   UNION ALL
                   SELECT latitude, longitude, normalized || ', ' || lower(country_code), 1,
                          country_code, weight, label, id
                   FROM search_suggestion
                   WHERE kind = 'place' AND {SAME_LABEL.replace("%(text)s", "%(head)s")}
                     AND country_code = %(code)s AND latitude IS NOT NULL
               ) AS places
               ORDER BY by_name, country_code = %(country)s DESC, weight DESC,
                        label = %(text)s DESC, country_code, label, id
               LIMIT 1""",
            {"text": text, "head": head, "code": code, "country": country.upper()},
        )
        row = cursor.fetchone()
    return Place(*row) if row else None


# A place name that ends with its country's ISO 3166 code: "Paris, US".
_COUNTRY_NAMED = re.compile(r"^(.*\S)\s*,\s*([A-Za-z]{2})$")
