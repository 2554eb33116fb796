"""Opaque page tokens for the site's keyset-paginated pages: a short text (the key a page
continues after) in URL-safe base64 without padding. Clients pass them back, they do not build
them; anything that is not one is a BadCursor (the pages answer 400)."""

import base64
import binascii
import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# An instant in a token: microseconds since 1970 (signed), as instant_text writes it.
INSTANT = r"-?[0-9]{1,19}"


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
