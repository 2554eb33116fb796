"""Numbers in a URL, read as they are written, by the API and the pages alike.

A number in a query string is what a JSON number looks like (RFC 8259, 6), as the OpenAPI
document's `integer` and `number` say: ASCII digits, a minus before them if any, and for a
`number` a fraction and an exponent; leading zeros are read (`007` is 7, as Django's own `int`
path converter reads it). Python and Django read more: `5.0`, `+5`, ` 5`, `1_000`, `.5`, `5.`
and other scripts' digits ("١٢"). A shared URL must mean the same on the explore page as on
`GET /api/v1/search`, so both refuse those (outings.api.numbers, outings.search.forms).
"""

import re

WHOLE = re.compile(r"-?[0-9]+")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def is_whole(text: str) -> bool:
    """Whether `text` is a whole number as a URL may write it."""
    return WHOLE.fullmatch(text) is not None


def is_number(text: str) -> bool:
    """Whether `text` is a number as a URL may write it."""
    return NUMBER.fullmatch(text) is not None
