"""HTTP caching and conditional requests for the API.

ETags are computed from what identifies a representation's state (ids, versions, update times,
the active language), never by serialising the body, so a matching `If-None-Match` is answered
304 before any serialisation. Anonymous answers may be kept by shared caches for
API_CACHE_MAX_AGE seconds; authenticated ones are private. Every cacheable answer varies on
Authorization, Cookie and Accept-Language.

Writes on a versioned record take `If-Match`: `if_match_values()` parses it, and
`if_none_match_values()` the entity tags of If-None-Match, for a service to compare under its
row lock (`with_none_match`); a stale If-Match, or an If-None-Match naming the current version,
is a 412. Every other write (what has no ETag: a booking, a token, an exception) evaluates
If-Match too (`evaluate_preconditions`): no entity tag can name what has none, so any is a 412
and nothing changes; `*` goes ahead. `If-None-Match: *` on a write is a 412 (every write acts on
what exists). A read evaluates If-Match once its answer is known (`read_precondition_failed`,
from outings.api.middleware), before its If-None-Match's 304 stands (RFC 9110 13.2.2).
"""

import hashlib
import inspect
from collections.abc import Callable, Collection, Iterable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from ninja.params.models import Header

from outings.api.auth import is_authenticated
from outings.common.errors import DomainError, VersionCondition

VARY = "Authorization, Cookie, Accept-Language"
IF_MATCH = "If-Match"
IF_NONE_MATCH = "If-None-Match"
SAME_FOR_EVERYONE = "outings_same_for_everyone"


class PreconditionFailed(DomainError):
    code = "precondition_failed"
    status_code = 412
    message = gettext_noop("The record changed since you read it; fetch it again and retry.")


class NoETagToMatch(PreconditionFailed):
    message = gettext_noop(
        "What this request changes has no ETag, so If-Match cannot name it: send the request "
        "without If-Match (or with If-Match: *)."
    )


class NotAtETag(PreconditionFailed):
    message = gettext_noop(
        "What this request reads is at none of the entity tags If-Match names (or has no "
        "ETag): read it without If-Match to get it as it is."
    )


class Exists(PreconditionFailed):
    message = gettext_noop(
        "What this request changes exists, and If-None-Match: * asks that it does not."
    )


def make_etag(*parts: object, language: bool = True) -> str:
    """A strong ETag over `parts` (and the active language, which picks translated names)."""
    text = "\x1f".join(str(part) for part in parts)
    if language:
        text += "\x1e" + (translation.get_language() or "")
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag_of_rows(rows: Iterable[Iterable[object]], *extra: object) -> str:
    """An ETag for a list: the identifying values of every row, plus e.g. the page cursors."""
    return make_etag(*("|".join(str(value) for value in row) for row in rows), *extra)


def parse_etags(header: str) -> list[str]:
    """The entity tags of an If-Match/If-None-Match header ("*" stays "*")."""
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def is_any(tags: list[str]) -> bool:
    """Whether If-Match's or If-None-Match's entity tags (`parse_etags`) are `*`, "whatever is
    there": alone, as RFC 9110 (13.1.1, 13.1.2) writes both (`"*" / #entity-tag`). A `*` among
    entity tags is one of them, which nothing is at: If-Match's condition fails, and
    If-None-Match's holds unless another of its tags is current. Until session 23 (If-Match)
    and session 24 (If-None-Match) it counted as `*` alone: a write conditioned on `"stale", *`
    went ahead whatever it changed, and a read revalidating `"stale", *` was a 304, its client
    told that its old copy was current."""
    return tags == ["*"]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """A 304 for a GET whose If-None-Match names `etag` (weak comparison), else None."""
    header = request.headers.get("If-None-Match")
    if header is None or request.method not in ("GET", "HEAD"):
        return None
    tags = parse_etags(header)
    if not is_any(tags) and _opaque(etag) not in {_opaque(tag) for tag in tags}:
        return None
    response = HttpResponse(status=304)
    set_cache_headers(response, request, etag)
    del response["Content-Type"]
    return response


def exists_for_none_match(request: HttpRequest, response: HttpResponseBase) -> HttpResponse | None:
    """The 304 of a read (GET or HEAD) answered `response`, a 2xx, when If-None-Match is `*`,
    else None: RFC 9110 (13.1.2) makes the condition false for a target that has any current
    representation, as every such answer shows. A read with an ETag answers it with
    `not_modified`; this is for those without one (a guest's bookings, their tokens...), which
    answered 200 until session 23. The 304 carries the headers the 200 has (RFC 9110 15.4.5:
    Cache-Control, Vary ...), not its content's type or length."""
    if not is_any(parse_etags(request.headers.get(IF_NONE_MATCH, ""))):
        return None
    unchanged = HttpResponse(status=304)
    for name, value in response.items():
        if name not in ("Content-Type", "Content-Length"):
            unchanged[name] = value
    del unchanged["Content-Type"]
    unchanged.cookies = response.cookies
    return unchanged


def set_cache_headers(response: HttpResponseBase, request: HttpRequest, etag: str) -> None:
    response["ETag"] = etag
    if is_authenticated(request):
        response["Cache-Control"] = "private, max-age=0, must-revalidate"
    else:
        response["Cache-Control"] = f"public, max-age={settings.API_CACHE_MAX_AGE}"
    response["Vary"] = VARY


def cacheable[T](request: HttpRequest, response: HttpResponse, etag: str, body: T) -> T:
    """`body`, answered with `etag` and the cache headers of a public read (for a route that
    returns what ninja serialises: `return not_modified(request, etag) or cacheable(...)`)."""
    set_cache_headers(response, request, etag)
    return body


def same_for_everyone[R: HttpResponseBase](response: R, etag: str) -> R:
    """`response` (a 200 or the 304 of `not_modified`), answered with `etag` as what every
    caller gets alike, whoever they are and whatever language they read (the OpenAPI document
    and the API's address: built from the code alone, in English): public, and marked so that
    ApiMiddleware drops the `Vary` that the session, the locale and `set_cache_headers` add on
    (`Vary: Authorization, Cookie, Accept-Language` made a shared cache keep a copy per token,
    per session cookie and per language list). Its language is said as it is, English."""
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={settings.API_CACHE_MAX_AGE}"
    response["Content-Language"] = settings.LANGUAGE_CODE
    setattr(response, SAME_FOR_EVERYONE, True)
    return response


def is_same_for_everyone(response: HttpResponseBase) -> bool:
    return getattr(response, SAME_FOR_EVERYONE, False) is True


def set_no_store(response: HttpResponseBase) -> None:
    """For answers that carry a secret or only make sense once."""
    response["Cache-Control"] = "no-store"
    response["Vary"] = VARY


def if_match_values(request: HttpRequest) -> set[str] | None:
    """The opaque values of a strong If-Match (without quotes), or None when the header is
    absent or "*". Weak tags never match (RFC 9110 compares If-Match strongly)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = parse_etags(header)
    if is_any(tags):
        return None
    return {tag.strip('"') for tag in tags if not tag.startswith("W/")}


def read_precondition_failed(request: HttpRequest, etag: str | None) -> PreconditionFailed | None:
    """The refusal of a read (GET or HEAD) whose answer would be a 2xx or 304 with `etag` (None:
    it has none) when If-Match names no such entity tag, else None. RFC 9110 (13.1.1) evaluates
    If-Match on any method, strongly (a weak tag never matches), before If-None-Match (13.2.2),
    so a failing one is a 412 even where If-None-Match would have answered 304; `*` holds for
    whatever a 2xx shows. Until session 22 a read ignored it."""
    header = request.headers.get(IF_MATCH)
    if header is None:
        return None
    tags = parse_etags(header)
    if is_any(tags) or (etag is not None and not etag.startswith("W/") and etag in tags):
        return None
    return NotAtETag(fields={f"header.{IF_MATCH}": [gettext("None of these is current.")]})


def if_none_match_values(request: HttpRequest) -> set[str]:
    """The opaque values of If-None-Match's entity tags (without quotes), weak ones as strong:
    RFC 9110 compares If-None-Match weakly. Empty when the header is absent or `*` (which
    `evaluate_preconditions` answers for every write); a `*` among tags names no version."""
    tags = parse_etags(request.headers.get(IF_NONE_MATCH, ""))
    return {_opaque(tag).strip('"') for tag in tags if tag != "*"}


def with_none_match[V](
    matching: Collection[V] | None, refused: Collection[V]
) -> Collection[V] | VersionCondition[V] | None:
    """The versions a write may go ahead at (`matching`: If-Match's or the body's; None, any),
    and, when If-None-Match names some (`refused`), that it is at none of them: one condition
    for the service to compare under the record's lock (until session 22 If-None-Match's
    entity tags were compared by nobody)."""
    if not refused:
        return matching
    allowed = None if matching is None else frozenset(matching)
    return VersionCondition(any_of=allowed, none_of=frozenset(refused))


def takes_if_match(view: Callable[..., object]) -> bool:
    """Whether an operation's handler declares the If-Match header (and so compares it)."""
    return any(
        isinstance(meta, Header) and meta.alias == IF_MATCH
        for parameter in inspect.signature(view).parameters.values()
        for meta in getattr(parameter.annotation, "__metadata__", ())
    )


def evaluate_preconditions[**P, T](view: Callable[P, T]) -> Callable[P, T]:
    """The API's operations (`api.add_decorator`, after ninja's checks and parsing), whose
    writes evaluate the preconditions their handler does not, as RFC 9110 (13.1) asks of a
    server, before the handler runs (nothing changes, no Idempotency-Key is claimed):

    - If-Match on a write whose handler takes none (what it changes has no ETag: a booking, a
      token, a waiting-list entry, an exception, a new record): no entity tag names what has
      none, so any list of them is a 412; `*` (the target exists) is left to the handler, which
      answers 404 when it does not;
    - `If-None-Match: *` on any write: every write acts on what exists (a record, or the list a
      new one joins), so "only if there is none" is false, a 412. (An entity tag there is left
      to the handler: what has none never matches one, and a versioned record's handler
      compares it under the record's lock, `with_none_match`.)

    Until session 21 writes ignored both: a DELETE "only if unchanged" deleted whatever was
    there, a PUT "only if new" overwrote."""
    takes = takes_if_match(view)

    @wraps(view)
    def evaluated(*args: P.args, **kwargs: P.kwargs) -> T:
        request = args[0]
        assert isinstance(request, HttpRequest)
        if request.method not in ("GET", "HEAD"):
            if not takes and if_match_values(request) is not None:
                raise NoETagToMatch(
                    fields={f"header.{IF_MATCH}": [gettext("Nothing here has an ETag to match.")]}
                )
            if is_any(parse_etags(request.headers.get(IF_NONE_MATCH, ""))):
                raise Exists(fields={f"header.{IF_NONE_MATCH}": [gettext("It exists already.")]})
        return view(*args, **kwargs)

    return evaluated
