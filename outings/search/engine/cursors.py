"""Keyset cursors of a search: a page's last hit's sort keys (`next`) or its first hit's
(`previous`, marked backward), signed with the search they belong to."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.core import signing
from django.utils.translation import gettext as _

from outings.common import signed
from outings.search.query import InvalidSearch, SearchQuery

CURSOR_SALT = "outings.search.cursor"


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def cursor_fingerprint(query: SearchQuery) -> list[Any]:
    """What a cursor is bound to: the search as the client sent it (a place by its name, whose
    point the hourly refresh may move, so that the pages of "near Toronto" keep turning)."""
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
        query.place or (query.near and [query.near.latitude, query.near.longitude]),
        query.radius_km,
        query.bbox and list(vars(query.bbox).values()),
    ]


def encode_cursor(
    values: list[Any], query: SearchQuery, *, corrected: str | None = None, backward: bool = False
) -> str:
    """The cursor of the page after the one whose last hit has the sort keys `values` (or, when
    `backward`, of the page before the one whose first hit has them). It is signed for `query`
    as the client sent it; `corrected` is the text actually searched when the engine corrected
    a misspelt query, so that the next page searches that text again."""
    data: dict[str, Any] = {"k": values, "q": cursor_fingerprint(query)}
    if corrected is not None:
        data["c"] = corrected
    if backward:
        data["d"] = "p"  # absent on a forward cursor, as on those handed out before
    return signed.sign(data, salt=CURSOR_SALT)


class Boundary(NamedTuple):
    """What a cursor says: the sort keys its page starts beyond, the corrected text its search
    ran (None unless the engine corrected the client's words), and whether the page is the one
    before those keys rather than after."""

    keys: list[Any]
    corrected: str | None
    backward: bool


def _signed_data(cursor: str, query: SearchQuery) -> dict[str, Any]:
    try:
        data = signed.unsign(cursor, salt=CURSOR_SALT)
    except signing.BadSignature as error:
        raise InvalidSearch(fields={"cursor": [_("Malformed or tampered cursor.")]}) from error
    if not isinstance(data, dict) or data.get("q") != cursor_fingerprint(query):
        raise InvalidSearch(fields={"cursor": [_("This cursor belongs to another search.")]})
    return data


def read_cursor(cursor: str, query: SearchQuery) -> Boundary:
    """Where the page of `cursor` starts, for `query` (InvalidSearch if it is another's)."""
    data = _signed_data(cursor, query)
    values = data.get("k")
    if not isinstance(values, list) or len(values) != 2 or data.get("d", "n") not in ("n", "p"):
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
    )


def decode_cursor(cursor: str, query: SearchQuery) -> list[Any]:
    """The sort keys the page of `cursor` starts beyond."""
    return read_cursor(cursor, query).keys
