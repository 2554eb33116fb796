"""The query mix: 300 explore searches and 200 autocomplete prefixes drawn, with a fixed seed, from
the bench catalogue's own words, places and dates; and the wrk scripts that cycle through them.

The words come from the catalogue's lexicon (`search_lexeme`, the words of the published titles
and places that `refresh_search` counts) and from the titles of the real listings; the places
from the autocomplete places (`search_suggestion`, the median point of each city's listings);
the dates from today on, within the 120 days the bench catalogue has slots for. The same
catalogue and seed give the same mix, relative to today's date.

| kind        | share | what                                                                |
| ----------- | ----- | ------------------------------------------------------------------- |
| text        | 35 %  | a frequent word, a rare one, two words of a title, a word half typed, |
|             |       | a misspelt word (the "did you mean" path)                            |
| text+place  | 25 %  | a title word of a listing in a city, near that city, 2-50 km;         |
|             |       | a quarter sorted by distance                                        |
| text+dates  | 30 %  | a title word of an experience, a date range (1-14 days, up to 100     |
|             |       | days ahead), 1-6 guests; a fifth sorted by soonest                  |
| filters     | 10 %  | no text: category near a city, dates and guests near a city,         |
|             |       | category with price and duration ranges                              |

Every search asks for the facets (the API always computes them).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg

SEED = 20261122
QUERIES = 300
PREFIXES = 200
SEARCH_PATH = "/api/v1/search"
AUTOCOMPLETE_PATH = "/api/v1/autocomplete"
_WORD = re.compile(r"\w{3,}")
_STOP_CONFIGS = ("english", "german", "french", "russian", "spanish")
RADII_KM = (2, 5, 10, 10, 25, 50)
GUESTS = (1, 1, 2, 2, 2, 3, 4, 6)


@dataclass(frozen=True)
class MixQuery:
    kind: str  # text, text+place, text+dates, filters
    variant: str
    params: tuple[tuple[str, str], ...]

    @property
    def path(self) -> str:
        return f"{SEARCH_PATH}?{urlencode(self.params)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "variant": self.variant,
            "params": [list(p) for p in self.params],
        }


@dataclass(frozen=True)
class Mix:
    queries: list[MixQuery]
    prefixes: list[str]

    def autocomplete_paths(self) -> list[str]:
        return [f"{AUTOCOMPLETE_PATH}?{urlencode({'q': prefix})}" for prefix in self.prefixes]

    def write(self, path: Path) -> None:
        path.write_text(
            json.dumps(
                {"queries": [q.as_json() for q in self.queries], "prefixes": self.prefixes},
                ensure_ascii=False,
            )
        )


@dataclass(frozen=True)
class _Listing:
    title: str
    city: str
    kind: str
    category: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class _Place:
    name: str
    latitude: float
    longitude: float
    weight: int


class _Source:
    """What the mix is drawn from, read once from the bench catalogue."""

    def __init__(self, conninfo: str) -> None:
        stop_filter = " AND ".join(
            f"numnode(plainto_tsquery('outings_{name}', word)) > 0" for name in _STOP_CONFIGS
        )
        with psycopg.connect(conninfo) as db:
            words = db.execute(
                "SELECT word, documents FROM search_lexeme"  # noqa: S608 (constants)
                f" WHERE length(word) >= 4 AND word ~ '^[[:alpha:]]+$' AND {stop_filter}"
                " ORDER BY documents DESC, word"
            ).fetchall()
            self.frequent = [str(w) for w, _n in words[:200]]
            # In 1 to 3 real listings (each real listing has 8 copies).
            self.rare = [str(w) for w, n in words if 9 <= n <= 27]
            rows = db.execute(
                """SELECT l.title, l.city, l.kind, c.slug, l.latitude, l.longitude
                   FROM catalog_listing l JOIN catalog_category c ON c.id = l.category_id
                   WHERE l.source <> 'bench-replica' AND l.status = 'published'
                   ORDER BY l.id"""
            ).fetchall()
            self.listings = [_Listing(*row) for row in rows]
            places = db.execute(
                """SELECT label, latitude, longitude, weight FROM search_suggestion
                   WHERE kind = 'place' AND latitude IS NOT NULL
                   ORDER BY weight DESC, label LIMIT 300"""
            ).fetchall()
            # A name that several countries share is one row each (search.0021): keep the
            # largest, which near=<name> resolves to (related.find_place), read first here.
            self.places: dict[str, _Place] = {}
            for row in places:
                self.places.setdefault(str(row[0]), _Place(*row))
        self.experiences = [item for item in self.listings if item.kind == "experience"]
        self.located = [
            item for item in self.listings if item.city in self.places and item.latitude is not None
        ]
        if not (self.frequent and self.rare and self.experiences and self.located):
            raise ValueError("the bench catalogue is missing words, experiences or places")


def _title_words(title: str) -> list[str]:
    return _WORD.findall(title)


def _misspell(word: str, rng: random.Random) -> str:
    """Two neighbouring letters swapped, or one dropped, inside the word."""
    at = rng.randrange(1, len(word) - 2)
    if rng.random() < 0.5:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + word[at + 1 :]


def _some_words(listing: _Listing, rng: random.Random, most: int = 2) -> str:
    words = _title_words(listing.title) or [listing.city or "museum"]
    count = min(len(words), rng.randint(1, most))
    start = rng.randrange(len(words) - count + 1)
    return " ".join(words[start : start + count])


def _text_query(source: _Source, rng: random.Random) -> MixQuery:
    roll = rng.random()
    if roll < 0.30:
        return MixQuery("text", "frequent word", (("q", rng.choice(source.frequent)),))
    if roll < 0.55:
        return MixQuery("text", "rare word", (("q", rng.choice(source.rare)),))
    if roll < 0.80:
        listing = rng.choice(source.listings)
        return MixQuery("text", "title words", (("q", _some_words(listing, rng)),))
    if roll < 0.92:
        word = rng.choice(source.frequent + source.rare)
        typed = word[: max(3, len(word) - rng.randint(1, 3))]
        return MixQuery("text", "half-typed word", (("q", typed),))
    word = rng.choice([w for w in source.rare if len(w) >= 6])
    return MixQuery("text", "misspelt word", (("q", _misspell(word, rng)),))


def _text_place_query(source: _Source, rng: random.Random) -> MixQuery:
    listing = rng.choice(source.located)
    place = source.places[listing.city]
    params = [
        ("q", _some_words(listing, rng, most=1)),
        ("lat", f"{place.latitude:.5f}"),
        ("lng", f"{place.longitude:.5f}"),
        ("radius_km", str(rng.choice(RADII_KM))),
    ]
    variant = "near a city"
    if rng.random() < 0.25:
        params.append(("sort", "distance"))
        variant += ", by distance"
    return MixQuery("text+place", variant, tuple(params))


def _dates(rng: random.Random, today: date) -> list[tuple[str, str]]:
    start = today + timedelta(days=rng.randint(0, 100))
    end = start + timedelta(days=rng.choice((0, 1, 2, 2, 6, 6, 13)))
    return [
        ("date_from", start.isoformat()),
        ("date_to", end.isoformat()),
        ("guests", str(rng.choice(GUESTS))),
    ]


def _text_dates_query(source: _Source, rng: random.Random, today: date) -> MixQuery:
    listing = rng.choice(source.experiences)
    params = [("q", _some_words(listing, rng)), *_dates(rng, today)]
    variant = "dates and guests"
    if rng.random() < 0.2:
        params.append(("sort", "soonest"))
        variant += ", soonest first"
    return MixQuery("text+dates", variant, tuple(params))


def _filters_query(source: _Source, rng: random.Random, today: date) -> MixQuery:
    roll = rng.random()
    if roll < 0.4:
        listing = rng.choice(source.located)
        place = source.places[listing.city]
        params: tuple[tuple[str, str], ...] = (
            ("category", listing.category),
            ("lat", f"{place.latitude:.5f}"),
            ("lng", f"{place.longitude:.5f}"),
            ("radius_km", str(rng.choice(RADII_KM))),
        )
        return MixQuery("filters", "category near a city", params)
    if roll < 0.7:
        listing = rng.choice([item for item in source.experiences if item.city in source.places])
        place = source.places[listing.city]
        params = (
            ("lat", f"{place.latitude:.5f}"),
            ("lng", f"{place.longitude:.5f}"),
            ("radius_km", "25"),
            *_dates(rng, today),
        )
        return MixQuery("filters", "dates and guests near a city", params)
    listing = rng.choice(source.listings)
    low = rng.choice((0, 500, 1000, 2000))
    params = (
        ("category", listing.category),
        ("price_min", str(low)),
        ("price_max", str(low + rng.choice((1500, 3000, 10000)))),
        ("duration_min", "30"),
        ("duration_max", str(rng.choice((120, 240, 480)))),
    )
    return MixQuery("filters", "category, price and duration", params)


def _prefix(source: _Source, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        title = rng.choice(source.listings).title.strip()
        return title[: rng.randint(2, min(12, max(2, len(title))))]
    if roll < 0.85:
        name = rng.choice(list(source.places))
        return name[: rng.randint(2, min(8, max(2, len(name))))]
    word = rng.choice(source.frequent)
    return word[: rng.randint(2, len(word))]


def draw(conninfo: str, *, today: date | None = None, seed: int = SEED) -> Mix:
    """The mix for this catalogue, seed and day."""
    source = _Source(conninfo)
    today = today or datetime.now(UTC).date()
    rng = random.Random(seed)
    queries: list[MixQuery] = []
    for _ in range(QUERIES):
        roll = rng.random()
        if roll < 0.35:
            queries.append(_text_query(source, rng))
        elif roll < 0.60:
            queries.append(_text_place_query(source, rng))
        elif roll < 0.90:
            queries.append(_text_dates_query(source, rng, today))
        else:
            queries.append(_filters_query(source, rng, today))
    prefixes = [_prefix(source, rng) for _ in range(PREFIXES)]
    return Mix(queries=queries, prefixes=[p for p in prefixes if len(p.strip()) >= 2])
