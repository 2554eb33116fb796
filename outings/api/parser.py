"""How the API reads a JSON body: only one that says it is JSON, in UTF-8, each name once.

ninja's own reader took any body as JSON whatever its Content-Type (text/plain, a form, none at
all: a hold sent so was booked), let `json.loads` guess UTF-16 and UTF-32 (docs/api.md promises a
400 for a body that is not UTF-8), and kept the last of a name given twice: `{"seats": 1,
"seats": 5}` booked 5 seats. RFC 8259 leaves duplicate names to each reader, and readers differ
(some keep the first), so a proxy or a client library that read the body before us may have seen
another request than the one we act on: refused instead, naming the field.

ninja turns anything the parser raises into `HttpError(400, "Cannot parse request body")` raised
from it; `outings.api.errors` answers a DomainError so raised as that error (415 here, a 400
naming the field, or a 400 saying the body is no JSON in UTF-8, in the request's language).
"""

import codecs
import json
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext, gettext_noop
from ninja.parser import Parser

from outings.api.errors import ValidationFailed
from outings.common.errors import DomainError

# Every operation names its JSON body `payload` (a test checks), as ninja's schema errors show
# its fields: `body.payload.seats`. The reader does not see the handler's argument.
BODY = "body.payload"
NOT_JSON = gettext_noop("The request body is not JSON in UTF-8.")
TOO_MUCH = gettext_noop(
    "The request body is JSON, but nests deeper or holds a longer number than this API reads."
)


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status_code = 415
    message = gettext_noop("The request body must be JSON.")


class JsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        # None only on the request ninja builds to read a JSON field of a multipart form (a body
        # beside files), which holds no Content-Type of its own.
        if request.content_type is not None and not (
            is_json(request.content_type) and in_utf8(request.content_params or {})
        ):
            raise UnsupportedMediaType(
                fields={"header.Content-Type": [gettext("Send the body as application/json.")]}
            )
        # UTF-8 only (RFC 8259, 8.1), a byte order mark ignored as it allows.
        try:
            text = request.body.decode("utf-8-sig")
            data: dict[str, Any] = json.loads(text, object_pairs_hook=_unique)
        except (UnicodeError, json.JSONDecodeError):
            # Refused in our words, which speak the request's language (ninja's own, "Cannot
            # parse request body", are English only).
            raise ValidationFailed(message=NOT_JSON) from None
        except (RecursionError, ValueError):
            # JSON, past what Python's reader takes (RFC 8259, 9, lets a reader limit depth and
            # numbers): a number of more than 4,300 digits, or ~1,000 levels. Until session 22
            # these were told they were no JSON in UTF-8.
            raise ValidationFailed(message=TOO_MUCH) from None
        except _Duplicate:
            try:
                path = _duplicate_in(json.loads(text, object_pairs_hook=_Pairs), ())
            except RecursionError:
                # Deeper than Python functions recurse (json.loads nests further): the name
                # cannot be located, and the RecursionError reached ninja, whose English
                # "Cannot parse request body" answered, until session 22.
                raise ValidationFailed(message=TOO_MUCH) from None
            name = ".".join((BODY, *(str(part) for part in path or ())))
            raise ValidationFailed(fields={name: [gettext("Given more than once.")]}) from None
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        """ninja's reading, but a name given twice that is not a list keeps all its values, as
        `Repeated`: ninja read the last of them (Django's QueryDict gives it), where a cache or
        a proxy in front may read the first. A parameter refuses it (`outings.api.main.Api`
        names it, "Given more than once."); an unknown one is ignored, as when given once."""
        result = super().parse_querydict(data, list_fields, request)
        for key, values in data.lists():
            if key not in list_fields and len(values) > 1:
                result[key] = Repeated(values)
        return result


class Repeated(list[Any]):
    """The values of a parameter that takes one, given more than once."""


def is_json(content_type: str) -> bool:
    """application/json, or a type built on it (`application/merge-patch+json`). Django gives
    the type lowercased, without its parameters (`; charset=utf-8`)."""
    kind, _, subtype = content_type.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def in_utf8(content_params: Mapping[str, str]) -> bool:
    """No charset (JSON is UTF-8, RFC 8259, 8.1), or UTF-8 in any spelling. A body declared in
    another (`charset=latin-1`) was read as UTF-8 all the same until session 20: "Ã©" sent in
    Latin-1 is the bytes of "é" in UTF-8, and was stored so."""
    charset = content_params.get("charset")
    if charset is None:
        return True
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


class _Duplicate(Exception):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Duplicate
    return found


class _Pairs(list[tuple[str, Any]]):
    """An object as its pairs, in order, duplicates kept: read again only to say where one is."""


def _duplicate_in(value: object, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """The path of the first name given twice in `value`, depth first."""
    if isinstance(value, _Pairs):
        seen: set[str] = set()
        for name, _item in value:
            if name in seen:
                return (*path, name)
            seen.add(name)
        children: list[tuple[str | int, object]] = list(value)
    elif isinstance(value, list):
        children = list(enumerate(value))
    else:
        return None
    for key, item in children:
        if (found := _duplicate_in(item, (*path, key))) is not None:
            return found
    return None
