"""Keyset cursors of a search: the last hit's sort keys, signed with the search they belong to."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

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


def encode_cursor(values: list[Any], query: SearchQuery, *, corrected: str | None = None) -> str:
    """The cursor of the page after the one whose last hit has the sort keys `values`. It is
    signed for `query` as the client sent it; `corrected` is the text actually searched when the
    engine corrected a misspelt query, so that the next page searches that text again."""
    data: dict[str, Any] = {"k": values, "q": cursor_fingerprint(query)}
    if corrected is not None:
        data["c"] = corrected
    return signed.sign(data, salt=CURSOR_SALT)


def _signed_data(cursor: str, query: SearchQuery) -> dict[str, Any]:
    try:
        data = signed.unsign(cursor, salt=CURSOR_SALT)
    except signing.BadSignature as error:
        raise InvalidSearch(fields={"cursor": [_("Malformed or tampered cursor.")]}) from error
    if not isinstance(data, dict) or data.get("q") != cursor_fingerprint(query):
        raise InvalidSearch(fields={"cursor": [_("This cursor belongs to another search.")]})
    return data


def read_cursor(cursor: str, query: SearchQuery) -> tuple[list[Any], str | None]:
    """The sort keys the next page starts after, and the corrected text its search ran (None
    unless the engine corrected the client's words)."""
    data = _signed_data(cursor, query)
    values = data.get("k")
    if not isinstance(values, list) or len(values) != 2:
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
    return values, corrected if isinstance(corrected, str) else None


def decode_cursor(cursor: str, query: SearchQuery) -> list[Any]:
    """The sort keys the next page starts after."""
    return read_cursor(cursor, query)[0]
