import json
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from outings.api.caching import (
    exists_for_none_match,
    is_same_for_everyone,
    read_precondition_failed,
)
from outings.api.errors import domain_error_response, error_response

API_PREFIX = "/api/"
API_URLCONF = "outings.api.urlconf"
# Headers a rewritten error keeps from the response it replaces.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")
# The order Allow names methods in, fixed (ninja lists a route's from a set, in any order).
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ApiMiddleware:
    """Under /api/ (and /api) only: answer HEAD as GET without the body and OPTIONS with the
    methods the path takes (`Allow`), route through a URLconf whose error views answer JSON, and
    turn any error that is still not in the API's shape (ninja's bare 405 for a wrong method,
    an error page from another middleware) into it. Install it first, so that it sees the final
    response of everything below it. What refuses a request before its view runs, and a read's
    preconditions, are ApiRequestMiddleware's, innermost."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_api_path(request.path_info):
            return self.get_response(request)
        request.urlconf = API_URLCONF  # same routes, JSON error views
        head = request.method == "HEAD"
        response = self._respond(request, head=head)
        if response.status_code >= 400:
            # An error is about this request (and in its language): no cache may keep it, as
            # one would keep a 404 heuristically (RFC 9111, 4.2.2) when nothing says otherwise.
            # Also over the `private` that PrivateWhenSignedInMiddleware gives every answer to a
            # signed-in caller: a mobile app's own HTTP cache is a private cache.
            response["Cache-Control"] = "no-store"
        elif is_same_for_everyone(response):
            # After the session, the locale and set_cache_headers have added theirs: nothing
            # in this answer depends on them (CORS, outside, adds Origin where it answers by it).
            del response["Vary"]
        # A 204 or 304 loses the length CommonMiddleware gave it further out, for the whole
        # site (outings.common.middleware.ContentLengthMiddleware).
        if head and isinstance(response, HttpResponse):
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    def _respond(self, request: HttpRequest, *, head: bool) -> HttpResponseBase:
        if head:
            # HEAD is GET without the body (RFC 9110, 9.3.2); the routes name GET only.
            request.method = "GET"
        response = self.get_response(request)
        if response.status_code >= 400:
            if not _is_api_error(response):
                # After LocaleMiddleware has given the thread's language back: in the one it
                # answered the request in.
                with translation.override(_language_of(request)):
                    response = _rewrite(response)
            if response.status_code == 405 and "Allow" in response:
                response["Allow"] = _allowed(response["Allow"])
                if request.method == "OPTIONS":
                    return _options(response["Allow"])
        return response


class ApiRequestMiddleware:
    """Under /api/ (and /api) only: refuse a body by its Content-Length (and a query string that
    is not UTF-8) before anything reads it, and evaluate a read's preconditions once its answer
    and ETag are known (If-Match; and `If-None-Match: *` where the answer has no ETag). Install
    it after the others (allauth's, appended later, adds nothing to an answer): every other
    middleware's call has run before it (none reads the body; the CSRF check and the view,
    which do, run after every call), so its answers leave through all of them, in the language
    LocaleMiddleware (or SiteLanguageMiddleware) chose and with the headers every other answer
    carries (Content-Language, `Vary`, the security headers, a Content-Length). Until session
    23 ApiMiddleware, outermost, gave these answers itself, and they had none of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_api_path(request.path_info):
            return self.get_response(request)
        refused = body_refusal(request) or query_refusal(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if request.method == "GET":  # HEAD too: ApiMiddleware, outside, answers it as GET
            # Here, for every read alike (the operations, the document, the API's address),
            # once the answer and its ETag are known: a read changes nothing to hold back. Both
            # headers are rare on a read: the hot path pays one lookup for each.
            if "HTTP_IF_MATCH" in request.META and (
                response.status_code < 300 or response.status_code == 304
            ):
                failed = read_precondition_failed(request, response.get("ETag"))
                if failed is not None:
                    return domain_error_response(failed)
            if "HTTP_IF_NONE_MATCH" in request.META and response.status_code < 300:
                return exists_for_none_match(request, response) or response
        return response


def body_refusal(request: HttpRequest) -> HttpResponse | None:
    """400 for a Content-Length that is not a number, 413 for one above the path's limit."""
    raw = str(request.META.get("CONTENT_LENGTH") or "0")
    # Digits only (RFC 9110, 8.6: 1*DIGIT): int() also reads "+13", " 13 ", "1_3" and
    # other scripts' digits, and Django read the body by them until session 22.
    if not (raw.isascii() and raw.isdigit()):
        return error_response(400, message=gettext_noop("Content-Length is not a number."))
    limit = body_limit(request.path_info)
    if int(raw) > limit:
        return too_large(limit)
    return None


def query_refusal(request: HttpRequest) -> HttpResponse | None:
    """400 for a query string that is not UTF-8 once percent-decoded, naming the parameter (the
    bytes of its name that are not as U+FFFD). Django reads each byte it cannot decode as
    U+FFFD, silently: `?q=%FF` searched for "\ufffd" until session 22."""
    raw = get_bytes_from_wsgi(request.META, "QUERY_STRING", "")
    if raw.isascii() and b"%" not in raw:
        return None  # nothing to decode: the usual query string, at no cost
    for pair in raw.split(b"&"):
        name, _, value = pair.replace(b"+", b" ").partition(b"=")
        try:
            unquote_to_bytes(name).decode()
            unquote_to_bytes(value).decode()
        except UnicodeDecodeError:
            readable = unquote_to_bytes(name).decode(errors="replace")
            return error_response(400, fields={f"query.{readable}": [gettext("Not UTF-8.")]})
    return None


def body_limit(path: str) -> int:
    """The most bytes a body sent to this API path may have."""
    if any(re.match(pattern, path) for pattern in settings.API_UPLOAD_PATHS):
        return int(settings.API_MAX_UPLOAD_BYTES)  # multipart photo uploads (outings.hosting)
    return int(settings.API_MAX_BODY_BYTES)


def too_large(limit: int) -> HttpResponse:
    """413 for a body over `limit` bytes, in the active language: this middleware's answer,
    and the one a proxy in front gets for the request it refused itself (outings.web.uploads)."""
    message = gettext("The request body is larger than %(limit)s bytes.")
    return error_response(413, message=message % {"limit": limit}, fields={})


def is_api_path(path: str) -> bool:
    """Under /api/, or /api itself (the site's HTML 404 page answered it until session 20)."""
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def _language_of(request: HttpRequest) -> str:
    """The language the request is answered in: the one LocaleMiddleware (or, for a signed-in
    user who chose one, SiteLanguageMiddleware) set on it, else the one it asks for."""
    chosen: str | None = getattr(request, "LANGUAGE_CODE", None)
    return chosen or translation.get_language_from_request(request)


def _allowed(header: str) -> str:
    """The methods a path takes, from those its view names: HEAD wherever GET is (answered as
    GET, above) and OPTIONS everywhere (`_options`), in one order. Until session 22 OPTIONS was
    missing, and a plain OPTIONS was a 405 (RFC 9110, 10.2.1: Allow lists what it supports)."""
    named = {method.strip().upper() for method in header.split(",") if method.strip()}
    if "GET" in named:
        named.add("HEAD")
    named.add("OPTIONS")
    return ", ".join(sorted(named, key=lambda m: (*METHOD_ORDER, m).index(m)))


def _options(allow: str) -> HttpResponse:
    """The answer to OPTIONS on a path that exists (RFC 9110, 9.3.7): what it takes, in
    `Allow`, and nothing else. The same for everyone, whatever their credentials, as a CORS
    preflight is (django-cors-headers answers those, with an Access-Control-Request-Method,
    further out)."""
    response = HttpResponse(status=204, headers={"Allow": allow})
    del response["Content-Type"]
    return response


def _is_api_error(response: HttpResponseBase) -> bool:
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    if not isinstance(response, HttpResponse):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


def _rewrite(response: HttpResponseBase) -> HttpResponse:
    rewritten = error_response(response.status_code)
    for header in KEPT_HEADERS:
        if header in response:
            rewritten[header] = response[header]
    return rewritten
