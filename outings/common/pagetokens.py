"""Opaque page tokens for the site's keyset-paginated pages: a short text (the key a page
continues after) in URL-safe base64 without padding. Clients pass them back, they do not build
them; anything that is not one is a BadCursor (the pages answer 400)."""

import base64
import binascii
import re


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
