"""Opaque page tokens for the site's keyset-paginated pages: a short text (the key a page
continues after) in URL-safe base64 without padding. Clients pass them back, they do not build
them; anything that is not one is a BadCursor (the pages answer 400)."""

import base64
import binascii
import re
from datetime import UTC, date, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# An instant in a token: microseconds since 1970 (signed), as instant_text writes it.
INSTANT = r"-?[0-9]{1,19}"
# A row's id in a token: a positive bigint (checked against its range by id_within).
ID = r"[1-9][0-9]{0,18}"
MAX_ID = 2**63 - 1
_ID_TOKEN = re.compile(rf"id:({ID})")
_INSTANT_ID_TOKEN = re.compile(rf"({INSTANT}):({ID})")
_DAY_ID_TOKEN = re.compile(rf"([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}):({ID})")


class BadCursor(ValueError):
    pass


def encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(token: str, *, pattern: re.Pattern[str], max_length: int) -> re.Match[str]:
    """The match of `pattern` over the whole decoded token; BadCursor if it does not match."""
    if len(token) > max_length:
        raise BadCursor(token[:max_length])
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, ValueError) as exc:
        raise BadCursor(token) from exc
    match = pattern.fullmatch(raw)
    if match is None:
        raise BadCursor(token)
    return match


def instant_text(moment: datetime) -> str:
    """An instant as a key in a token: microseconds since 1970, exact to the database's own."""
    return str((moment - _EPOCH) // _MICROSECOND)


def instant_of(text: str, token: str) -> datetime:
    """The instant instant_text wrote (`text`, matched by INSTANT in `token`); BadCursor for
    one out of datetime's range."""
    try:
        return _EPOCH + int(text) * _MICROSECOND
    except OverflowError as exc:
        raise BadCursor(token) from exc


def id_within(text: str, token: str) -> int:
    """The id `text` (matched by ID in `token`) names; BadCursor for one past a bigint."""
    if int(text) > MAX_ID:
        raise BadCursor(token)
    return int(text)


def encode_id(after_id: int) -> str:
    """The token of a page that continues after the row `after_id` (a list ordered by id)."""
    return encode(f"id:{after_id}")


def decode_id(token: str) -> int:
    """The id a page token of encode_id continues after; BadCursor for anything else."""
    match = decode(token, pattern=_ID_TOKEN, max_length=40)
    return id_within(match.group(1), token)


def encode_instant_id(moment: datetime, pk: int) -> str:
    """The token of a page that continues after the row (`moment`, `pk`) of a list ordered by an
    instant, then id."""
    return encode(f"{instant_text(moment)}:{pk}")


def decode_instant_id(token: str) -> tuple[datetime, int]:
    """(instant, id) a token of encode_instant_id continues after; BadCursor for anything else."""
    match = decode(token, pattern=_INSTANT_ID_TOKEN, max_length=60)
    return instant_of(match.group(1), token), id_within(match.group(2), token)


def encode_day_id(day: date, pk: int) -> str:
    """The token of a page that continues after the row (`day`, `pk`) of a list ordered by a
    date, then id."""
    return encode(f"{day.isoformat()}:{pk}")


def decode_day_id(token: str) -> tuple[date, int]:
    """(day, id) a token of encode_day_id continues after; BadCursor for anything else."""
    match = decode(token, pattern=_DAY_ID_TOKEN, max_length=40)
    try:
        day = date.fromisoformat(match.group(1))
    except ValueError as exc:  # 2031-02-30
        raise BadCursor(token) from exc
    return day, id_within(match.group(2), token)
