"""Keyset cursors of a search: a page's last hit's sort keys (`next`) or its first hit's
(`previous`, marked backward), signed with the search they belong to, the viewer's time zone,
the ranking version its first page was read under (engine/asof.py) and, for a named place, the
point its first page was measured from."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.core import signing
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from outings.common import signed
from outings.common.zones import same_zone
from outings.search.models import RANKING_HISTORY
from outings.search.query import InvalidSearch, Point, SearchQuery, ascii_lower, normalised_text

CURSOR_SALT = "outings.search.cursor"
# The message names the parameter the visitor did not choose: the page takes the zone from
# the browser, which changes when its owner crosses a border between two pages.
OTHER_TIME_ZONE = gettext_noop(
    "This page belongs to a search in another time zone: start again from the first page."
)
# The qualities and rates its first page read are no longer kept (RANKING_HISTORY).
TOO_OLD = gettext_noop("These results are too old to go on from: start again from the first page.")


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def cursor_fingerprint(query: SearchQuery) -> list[Any]:
    """What a cursor is bound to: the search as the client sent it (a place by its name, whose
    point the hourly refresh may move, so that the pages of "near Toronto" keep turning), in one
    form for every way of writing the same search (`_one_form`), so that
    `category=a&category=b` turns the pages of `category=b&category=a` and "Kayak" those of
    "kayak" (and shares their cached pages). The chosen cities are those the database
    compares (`query.folded_cities`, once the engine has read them; their A-Z lower-cased
    before). The viewer's time zone is bound apart (`z`)."""
    one = _one_form(_fingerprint(query))
    assert one is not None  # a query's own fingerprint is one
    return one


def _fingerprint(query: SearchQuery) -> list[Any]:
    """The search's parameters, as the query holds them."""
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
        list(query.cities if query.folded_cities is None else query.folded_cities),
        query.country,
        str(query.date_from),
        str(query.date_to),
        query.guests,
        query.place or (query.near and [query.near.latitude, query.near.longitude]),
        query.radius_km,
        query.bbox and list(vars(query.bbox).values()),
    ]


def _one_form(fingerprint: Any) -> list[Any] | None:
    """A fingerprint with its filters in one form where the search reads two forms alike: the
    text as `normalised_text` gives it; the categories, languages and cities as sets (OR-ed,
    so neither their order nor a repeat matters); the country in capitals and a place name
    lower-cased, its spaces collapsed (a place is found unaccented, whatever its case and
    spaces, and the query holds the name as the database found it: related.find_place). A city
    is chosen without case or accents (engine.where.CITY_SPELLINGS), which the database alone
    can fold as it compares (its locale, its unaccent): the search binds its cursors to the
    cities as the database folded them (`SearchQuery.folded_cities`), else to their A-Z in
    lower case, as cursors signed before session 23 were. Also for a cursor's signed
    fingerprint, which cursors handed out before sessions 17 and 18 carry in fewer of these
    forms or none; None for one that is no fingerprint."""
    if not isinstance(fingerprint, list) or len(fingerprint) != 17:
        return None
    text, categories, languages, cities, country, place = (
        fingerprint[i] for i in (0, 2, 8, 9, 10, 14)
    )
    if not all(isinstance(value, str) for value in (text, country)) or not all(
        isinstance(values, list) and all(isinstance(v, str) for v in values)
        for values in (categories, languages, cities)
    ):
        return None
    one = list(fingerprint)
    one[0] = normalised_text(text)
    one[2], one[8] = (sorted(set(values)) for values in (categories, languages))
    one[9] = sorted({ascii_lower(city) for city in cities})
    one[10] = country.upper()
    if isinstance(place, str):
        one[14] = " ".join(place.split()).lower()
    return one


def encode_cursor(
    values: list[Any],
    query: SearchQuery,
    *,
    corrected: str | None = None,
    backward: bool = False,
    point: Point | None = None,
    ranking: int | None = None,
    inclusive: bool = False,
) -> str:
    """The cursor of the page after the one whose last hit has the sort keys `values` (or, when
    `backward`, of the page before the one whose first hit has them); when `inclusive`, of the
    page that starts (backward: ends) at those keys, their hit included: the way back from a
    page that came back empty (page.run_page). It is signed for `query`
    as the client sent it, in its time zone (whose days decide what matches); `corrected` is
    the text actually searched when the engine corrected a misspelt query, so that the next
    page searches that text again; `point` is the point a named place stood for when the keys
    were measured, so that the next page measures from it again (the hourly refresh moves it);
    `ranking` is the ranking version the search's first page was read under, whose qualities
    and exchange rates the next page reads again (engine/asof.py)."""
    data: dict[str, Any] = {"k": values, "q": cursor_fingerprint(query), "z": query.time_zone}
    if query.folded_cities:
        # Bound to the cities as the database folds them; absent on a cursor handed out before
        # (session 23), whose cities are compared as they were then (`_signed_data`).
        data["f"] = True
    if corrected is not None:
        data["c"] = corrected
    if backward:
        data["d"] = "p"  # absent on a forward cursor, as on those handed out before
    if point is not None:
        data["p"] = [point.latitude, point.longitude]
    if ranking is not None:
        data["r"] = ranking
    if inclusive:
        data["i"] = True  # absent on every other cursor, as on those handed out before
    return signed.sign(data, salt=CURSOR_SALT)


class Boundary(NamedTuple):
    """What a cursor says: the sort keys its page starts beyond, the corrected text its search
    ran (None unless the engine corrected the client's words), whether the page is the one
    before those keys rather than after, the point a named place's keys were measured from
    (None for coordinates, which the client sends again), and the ranking version the first
    page was read under (None when read without the current one); `inclusive`: the page
    starts (backward: ends) at the keys, their hit included (the way back from an empty page).
    """

    keys: list[Any]
    corrected: str | None
    backward: bool
    point: Point | None = None
    ranking: int | None = None
    inclusive: bool = False


def _signed_data(cursor: str, query: SearchQuery) -> dict[str, Any]:
    try:
        data = signed.unsign(cursor, salt=CURSOR_SALT)
    except signing.BadSignature as error:
        raise InvalidSearch(fields={"cursor": [_("Malformed or tampered cursor.")]}) from error
    if not isinstance(data, dict):
        raise InvalidSearch(fields={"cursor": [_("This cursor belongs to another search.")]})
    # A cursor of chosen cities signed before they were bound as the database folds them
    # (session 23): compared with the cities as they were then, their A-Z lower-cased.
    bound = query if data.get("f") is True else replace(query, folded_cities=None)
    if _one_form(data.get("q")) != cursor_fingerprint(bound):
        raise InvalidSearch(fields={"cursor": [_("This cursor belongs to another search.")]})
    # A cursor without a zone was signed before cursors carried one: its zone is unknown.
    # Another name of the same zone ("US/Eastern" for "America/New_York") has its days.
    zone = data.get("z")
    if not isinstance(zone, str) or not same_zone(zone, query.time_zone):
        raise InvalidSearch(fields={"cursor": [_(OTHER_TIME_ZONE)]})
    return data


def read_cursor(cursor: str, query: SearchQuery, *, ranking: int | None = None) -> Boundary:
    """Where the page of `cursor` starts, for `query` (InvalidSearch if it is another's). Given
    the current `ranking` version, also the version its first page was read under, which a
    later page reads the qualities and rates of; InvalidSearch if that is more than
    RANKING_HISTORY versions back, whose qualities and rates are no longer kept."""
    data = _signed_data(cursor, query)
    version = data.get("r")
    if ranking is not None:
        if version is None and query.sort != "relevance":
            # Signed before cursors carried a version for every sort (session 15): read with
            # the rates of now, as it was then.
            version = ranking
        if not isinstance(version, int) or not ranking - RANKING_HISTORY <= version <= ranking:
            raise InvalidSearch(fields={"cursor": [_(TOO_OLD)]})
    values = data.get("k")
    inclusive = data.get("i", False)
    if (
        not isinstance(values, list)
        or len(values) != 2
        or data.get("d", "n") not in ("n", "p")
        or not isinstance(inclusive, bool)
    ):
        raise InvalidSearch(fields={"cursor": [_("Malformed cursor.")]})
    if query.sort in ("newest", "soonest") and isinstance(values[0], str):
        values[0] = datetime.fromisoformat(values[0])
    elif query.sort == "relevance" and isinstance(values[0], str):
        # A cursor from before the score was a float8 carries it as a decimal string.
        try:
            values[0] = float(values[0])
        except ValueError as error:
            raise InvalidSearch(fields={"cursor": [_("Malformed cursor.")]}) from error
    corrected = data.get("c")
    return Boundary(
        keys=values,
        corrected=corrected if isinstance(corrected, str) else None,
        backward=data.get("d") == "p",
        point=_point(data.get("p")) if query.place else None,
        ranking=version if isinstance(version, int) else None,
        inclusive=inclusive,
    )


def _point(value: Any) -> Point | None:
    """The point a signed cursor carries (signed by us: a pair of numbers, or absent)."""
    if isinstance(value, list) and len(value) == 2:
        return Point(float(value[0]), float(value[1]))
    return None


def decode_cursor(cursor: str, query: SearchQuery) -> list[Any]:
    """The sort keys the page of `cursor` starts beyond."""
    return read_cursor(cursor, query).keys
