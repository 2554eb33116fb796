"""How large a request body may be, refused before a byte of it is read.

Django bounds what it reads of a form (DATA_UPLOAD_MAX_MEMORY_SIZE) but not the files of a
multipart body: whatever view a post goes to, the CSRF check's read of request.POST spools every
file part to disk, so without a limit of our own a host's thirty photos, or anyone's ten
gigabytes, were read whole (into the embedded front's memory first). Each path has a limit
(`body_limit`): the API's own (ApiRequestMiddleware), PHOTO_UPLOAD_MAX_BYTES for the pages that take
files (SITE_UPLOAD_PATHS), and a form's for every other page. A body whose Content-Length is
over it is answered 413 from its headers alone: on a page with a page that says so, in the
visitor's language, and how to send the photos instead; under /api/ in the API's shape.

A proxy in front that refuses a body itself (deploy/nginx.conf's client_max_body_size, the
embedded profile's front in config/front.py) asks `GET /too-large/` for that answer, naming the
path it refused in X-Original-URI, so that the host reads the same page whichever layer refused.
"""

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.views import defaults
from django.views.decorators.cache import never_cache

from outings.api import middleware as api

# What Django raises when it cannot read a form: too many files or fields, too much form data, a
# multipart body it cannot parse. The site's 400 page says so (`bad_request`).
UNREADABLE = (TooManyFilesSent, TooManyFieldsSent, RequestDataTooBig, MultiPartParserError)
# What a multipart body adds to the form data it carries (boundaries, part headers).
FRAMING_BYTES = 64 * 1024
ORIGINAL_URI_HEADER = "X-Original-URI"
MEGABYTE = 1024 * 1024


def body_limit(path: str) -> int:
    """The most bytes a request body sent to `path` may have."""
    if api.is_api_path(path):
        return api.body_limit(path)
    if _takes_files(path):
        return int(settings.PHOTO_UPLOAD_MAX_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) + FRAMING_BYTES


def declared_length(request: HttpRequest) -> int:
    """The body's Content-Length; 0 when it has none or one that is no number (Django then
    reads no body at all)."""
    raw = request.META.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isascii() and raw.isdigit() else 0


def _takes_files(path: str) -> bool:
    return any(re.match(pattern, path) for pattern in settings.SITE_UPLOAD_PATHS)


class BodyLimitMiddleware:
    """Answer a page's request whose body is over `body_limit` with the 413 page, before the
    CSRF check or a view reads it (their reads run after every middleware's call). The API's
    paths are ApiRequestMiddleware's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if not api.is_api_path(path) and declared_length(request) > body_limit(path):
            return too_large_page(request, path=path)
        return self.get_response(request)


def too_large_page(request: HttpRequest, *, path: str) -> HttpResponse:
    """The 413 page for a body sent to `path`: what may be sent, and a way back."""
    return render(
        request,
        "413.html",
        {
            "takes_files": _takes_files(path),
            "most_mb": max(1, int(settings.PHOTO_UPLOAD_MAX_BYTES) // MEGABYTE),
            "each_mb": max(1, int(settings.PHOTO_MAX_BYTES) // MEGABYTE),
            "back": _back(path),
        },
        status=413,
    )


@never_cache
def too_large(request: HttpRequest) -> HttpResponse:
    """What a proxy in front answers for a body it refused (413): the page, or under /api/ the
    API's error, for the path named in X-Original-URI (a path of this site, else the home
    page's)."""
    path = _original_path(request.headers.get(ORIGINAL_URI_HEADER, ""))
    if api.is_api_path(path):
        with translation.override(translation.get_language_from_request(request)):
            return api.too_large(body_limit(path))
    return too_large_page(request, path=path)


def _original_path(uri: str) -> str:
    """The path of the request a proxy refused, as it names it: "/" for one urlsplit cannot
    read (a path such as //[x reads as an IPv6 host left open: ValueError, a 500 until session
    21), which the page then treats as any path not of this site."""
    try:
        return urlsplit(uri).path or "/"
    except ValueError:
        return "/"


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 400 (config.urls' handler400). A form Django could not read gets a page in
    the visitor's language that says nothing was changed, and for too many files how many one
    upload takes (a folder's worth of photos chosen at once), with a way back; until session
    21 it was Django's bare "Bad Request (400)". Anything else (a host not allowed, ...) keeps
    Django's answer, which needs nothing of the request."""
    if not isinstance(exception, UNREADABLE):
        return defaults.bad_request(request, exception)
    files = settings.DATA_UPLOAD_MAX_NUMBER_FILES if isinstance(exception, TooManyFilesSent) else 0
    context = {"files": files, "back": _back(request.path_info)}
    return render(request, "web/unreadable_form.html", context, status=400)


def _back(path: str) -> str:
    """Where the page sends the visitor back to: the listing's photos for its upload, the form
    a portrait came from, else the home page. Made from our own URLs, never the header's text."""
    try:
        match = resolve(path)
    except Resolver404:
        return reverse("web:home")
    if match.view_name == "hosting:upload_photos":
        return reverse("hosting:listing", kwargs={"pk": match.kwargs["pk"]}) + "#photos"
    if match.view_name in ("hosting:become", "hosting:profile"):
        return reverse(match.view_name)
    return reverse("web:home")
