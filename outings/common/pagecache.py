"""Whole pages for visitors who are not signed in, kept in the "pages" cache (DESIGN.md section 5).

What such a page shows depends on its URL, the language and time zone it is shown in, whether
htmx asked for a part of it, the release that renders it (outings.common.release) and its static
files, and the data on it. The key names exactly
those; the data by the `versions` its view passes (for public pages, the catalogue version that a
database trigger moves on every write to anything they show, and the current time window for
what time alone changes: outings.search.cache.public_versions). An edit therefore makes new keys;
nothing is ever deleted by hand, and stale entries expire with their window.

Not Django's `cache_page`: it keys a page by every header named in its `Vary`, and the session
and CSRF middleware add `Cookie` there, so each visitor with any cookie (the `tz` cookie the site
sets, a CSRF token) would fill the cache with a copy of their own.

A page is stored only when it is the same for every visitor it is keyed for: a 200 answer to a GET
or HEAD from someone not signed in, which sets no cookie and did not ask for a CSRF token (a page
holding one belongs to one visitor; templates show anonymous visitors no such form). Shared caches
in front (a load balancer, a CDN) may keep it PAGE_CACHE_MAX_AGE seconds: they cannot see the
versions, so that is how stale they may make it. `Vary: Cookie` keeps them from giving it to
someone signed in. That is said by PublicPageMiddleware, outside the session and CSRF middleware:
they may still add a cookie for this visitor alone (a new CSRF secret for a malformed one, the
deletion of an expired session's), and a response that sets one is private.

A new key is rendered once: the visitors who miss it while another request renders it wait for
that page (RENDER_WAIT_SECONDS at most) instead of each rendering the same one.

The "pages" cache is tolerant (outings.common.cache.TolerantRedisCache): with Redis down, every
page is simply rendered.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from outings.common import release
from outings.common.cache import MISSING, stored_meanwhile

PAGES = "pages"
# When a key is new (a write moved a version, a window turned), the first anonymous visitor to
# miss renders the page and the others who miss meanwhile wait for it (cache.stored_meanwhile,
# as get_or_compute's callers do), rather than each render the same page: a hot page's key
# turning made every concurrent visitor run its queries and template (7 of 8 at once, until
# session 24). A
# render not stored by RENDER_WAIT_SECONDS (a slow search, a process that died: its mark lasts
# RENDER_LOCK_SECONDS) is made by each waiting visitor for themselves, as before.
RENDER_WAIT_SECONDS = 2.0
RENDER_LOCK_SECONDS = 10
_COMMAS = re.compile(r"\s*,\s*")  # between Cache-Control's directives
# Headers a view sets on a public page that a replay must carry; the middleware around the view
# add the rest again on every request (Vary: Cookie, Content-Language, security headers).
_KEPT_HEADERS = ("Content-Type", "Vary")
_PUBLIC_PAGE = "outings_public_page"


def cached_page(
    request: HttpRequest,
    render: Callable[[], HttpResponse],
    *,
    versions: Hashable,
    timeout: int,
) -> HttpResponse:
    """The response `render` makes, from the pages cache when this page was rendered for an
    anonymous visitor with the same key before. `versions` must have been read before `render`
    reads its data (a page must never be stored under a version newer than its rows: see
    docs/caching.md for the one race left)."""
    if not _anonymous_read(request):
        return render()
    key = page_key(request, versions)
    pages = caches[PAGES]
    stored = pages.get(key)
    if stored is not None:
        return _replay(stored)
    rendering = key + ":rendering"
    if not pages.add(rendering, 1, RENDER_LOCK_SECONDS):  # a down cache grants it: render
        stored = stored_meanwhile(pages, key, rendering, wait=RENDER_WAIT_SECONDS)
        if stored is not MISSING and stored is not None:
            return _replay(stored)
        return _render(request, render, pages, key, timeout)
    try:
        return _render(request, render, pages, key, timeout)
    finally:
        pages.delete(rendering)  # after the page is stored: a visitor then finds one or other


def _render(
    request: HttpRequest,
    render: Callable[[], HttpResponse],
    pages: BaseCache,
    key: str,
    timeout: int,
) -> HttpResponse:
    response = render()
    if _same_for_everyone(request, response):
        pages.set(key, _recording(response), timeout)
        _mark_public(response)
    return response


def page_key(request: HttpRequest, versions: Hashable) -> str:
    parts = (
        request.path,
        request.META.get("QUERY_STRING", ""),  # as sent: the page links back to it
        translation.get_language(),
        timezone.get_current_timezone_name(),
        request.headers.get("HX-Request", ""),
        release.identity(),  # its code, templates and translations: a deploy makes new keys
        getattr(staticfiles_storage, "manifest_hash", ""),
        versions,
    )
    return "page:" + hashlib.sha256(pickle.dumps(parts)).hexdigest()


def _anonymous_read(request: HttpRequest) -> bool:
    return request.method in ("GET", "HEAD") and not request.user.is_authenticated


def _same_for_everyone(request: HttpRequest, response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # get_token() was called: the page holds this visitor's CSRF token.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not cache_control_directives(response) & {"private", "no-store", "no-cache"}
    )


def cache_control_directives(response: HttpResponse) -> set[str]:
    """The directive names of the response's Cache-Control ("max-age=60, public" gives
    {"max-age", "public"})."""
    return {
        part.split("=", 1)[0].strip().lower()
        for part in _COMMAS.split(response.get("Cache-Control", ""))
        if part.strip()
    }


def _mark_public(response: HttpResponse) -> None:
    setattr(response, _PUBLIC_PAGE, True)  # read by PublicPageMiddleware


class PublicPageMiddleware:
    """What a shared cache may do with a page from `cached_page`, decided once the middleware
    inside this one have added their cookies: keep it PAGE_CACHE_MAX_AGE seconds, unless this
    response sets a cookie, which is this visitor's alone (then it is private). Listed before
    the session and CSRF middleware. Any other response marked `public` that sets a cookie (an
    API read whose stale session cookie the session middleware deletes) is made private too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, _PUBLIC_PAGE, False):
            if response.cookies:
                patch_cache_control(response, private=True)
            else:
                patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_MAX_AGE)
            patch_vary_headers(response, ["Cookie"])
        elif response.cookies and "public" in cache_control_directives(response):
            patch_cache_control(response, private=True)
        return response


def _recording(response: HttpResponse) -> dict[str, Any]:
    return {
        "content": response.content,
        "headers": {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)},
    }


def _replay(stored: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(stored["content"], headers=stored["headers"])
    _mark_public(response)
    return response
