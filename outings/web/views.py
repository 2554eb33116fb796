"""The public pages: home, the list of things to do, one listing. Views parse the request, call
selectors and render; they hold no rules of their own."""

import math
from collections.abc import Hashable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views import i18n
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from outings.accounts.services import update_profile, valid_languages
from outings.bookings.forms import new_form_token, seats_bounds
from outings.catalog import selectors as catalog
from outings.catalog.models import Listing
from outings.catalog.photos.selectors import photos_for_listing
from outings.common import pagetokens, release
from outings.common.cache import get_or_compute
from outings.common.pagecache import cached_page
from outings.common.pagetokens import BadCursor
from outings.scheduling import selectors as scheduling
from outings.search.cache import (
    SAFETY_TIMEOUT,
    content_versions,
    listing_versions,
    public_versions,
)
from outings.search.related import similar
from outings.stats.services import record_listing_view

FEATURED_PER_CATEGORY = 2
NEARBY_COUNT = 8
UPCOMING_SLOTS = 10
# Aggregates over the whole catalogue, a few minutes stale on the home page: refreshed ahead of
# time by a periodic task (outings.web.tasks.refresh_aggregates), computed here only when missing.
AGGREGATE_CACHE_SECONDS = 600
BUSIEST_CITY_KEY = "web:busiest-city-picks"
# Sent by the cache warmer (outings.web.warming), whose page renders are not views. A visitor who
# sends it only keeps their own view out of the host's statistics.
WARMING_HEADER = "X-Outings-Warming"
CATEGORY_COUNTS_KEY = "web:category-counts"


def busiest_city() -> catalog.CityPicks | None:
    """The home page's aggregate: the busiest city and its newest listings."""
    return catalog.busiest_city(newest=NEARBY_COUNT)


encode_cursor = pagetokens.encode_id
decode_cursor = pagetokens.decode_id


def _point(request: HttpRequest) -> tuple[float, float] | None:
    """(lat, lng) from the query string when both are present and valid, else None."""
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lng)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return lat, lng


def home(request: HttpRequest) -> HttpResponse:
    """Featured bookable experiences, listings near the viewer (or in the busiest city) and the
    categories with their counts."""
    return cached_page(
        request, lambda: _home(request), versions=public_versions(), timeout=SAFETY_TIMEOUT
    )


def _home(request: HttpRequest) -> HttpResponse:
    point = _point(request)
    city: str | None = None
    nearby: list[Listing] = []
    if point is not None:
        nearby = catalog.nearest_listings(latitude=point[0], longitude=point[1], limit=NEARBY_COUNT)
    else:
        picks = get_or_compute(BUSIEST_CITY_KEY, busiest_city, AGGREGATE_CACHE_SECONDS)
        if picks is not None:
            city = picks.city
            nearby = catalog.public_listings_by_ids(ids=picks.listing_ids)
    categories = get_or_compute(
        CATEGORY_COUNTS_KEY, catalog.categories_with_counts, AGGREGATE_CACHE_SECONDS
    )
    featured = scheduling.featured_experiences(
        now=timezone.now(), per_category=FEATURED_PER_CATEGORY
    )
    return render(
        request,
        "web/home.html",
        {
            "featured": featured,
            "nearby": nearby,
            "nearby_city": city,
            "located": point is not None,
            "categories": [c for c in categories if c.listing_count],
        },
    )


@vary_on_headers("HX-Request")
def listing_list(request: HttpRequest) -> HttpResponse:
    """Public listings, newest first, optionally in one category and/or city, keyset-paginated.

    Requests from htmx ("Show more") get only the next cards and the new pager."""
    return cached_page(
        request,
        lambda: _listing_list(request),
        versions=content_versions(page=request.get_full_path()),
        timeout=SAFETY_TIMEOUT,
    )


def _listing_list(request: HttpRequest) -> HttpResponse:
    categories = catalog.list_categories()
    slug = request.GET.get("category", "")
    category = None
    if slug:
        category = next((c for c in categories if c.slug == slug), None)
        if category is None:
            raise Http404("No such category")
    city = request.GET.get("city", "").strip()[:120]
    if "\x00" in city:  # no city has one, and PostgreSQL refuses it in a text
        raise Http404("No such city")
    after_id = None
    if token := request.GET.get("after", ""):
        try:
            after_id = decode_cursor(token)
        except BadCursor:
            # To "Show more" (htmx), the pager saying so in place, which the page lets htmx
            # swap in (its htmx-config): the page it answered before was not, and the button
            # did nothing at all.
            return render(request, _bad_cursor_template(request), status=400)

    page = catalog.list_public_listings(
        category_id=None if category is None else category.pk,
        city=city or None,
        after_id=after_id,
        size=settings.PAGE_SIZE,
    )
    context = {
        "listings": page.listings,
        "next_cursor": None if page.next_after is None else encode_cursor(page.next_after),
        "categories": categories,
        "category": category,
        "city": city,
        "is_first_page": after_id is None,
    }
    template = "web/_listing_page.html" if _from_htmx(request) else "web/listing_list.html"
    return render(request, template, context)


def _from_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _bad_cursor_template(request: HttpRequest) -> str:
    return "web/_bad_cursor_pager.html" if _from_htmx(request) else "web/bad_cursor.html"


def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One listing with its next dates; 404 unless it is public. Anonymous visitors get it from
    the page cache, keyed by what this page shows (a booking on another listing leaves it in the
    cache); a signed-in guest's page carries a one-time booking token and is their own."""
    if request.user.is_authenticated:
        response = _listing_detail(request, pk, versions=public_versions())
        # `private`: no shared cache keeps this guest's token. `no-cache`, not `no-store`: a
        # visit or a reload asks the server again (a new token, fresh seats), while Back
        # restores the page as the guest left it, with the token of the form they already
        # sent, so pressing "Book" again answers with that booking instead of booking twice
        # (`bookings.views.book`). `no-store` made the browser refetch on Back: a new token.
        patch_cache_control(response, private=True, no_cache=True)
    else:
        versions = listing_versions(pk)
        response = cached_page(
            request,
            lambda: _listing_detail(request, pk, versions=versions),
            versions=versions,
            timeout=SAFETY_TIMEOUT,
        )
    if WARMING_HEADER not in request.headers:  # a visitor, not outings.web.warming
        record_listing_view(listing_id=pk)  # buffered: no database write per view
    return response


def _listing_detail(request: HttpRequest, pk: int, *, versions: Hashable) -> HttpResponse:
    listing = catalog.get_public_listing(listing_id=pk)
    slots = scheduling.upcoming_slots(listing_id=pk, now=timezone.now(), limit=UPCOMING_SLOTS)
    bounds = seats_bounds(listing)
    party = bounds["min"]  # the smallest booking a hold takes
    context = {
        "listing": listing,
        "slots": slots,
        "photos": photos_for_listing(listing, ready_only=True),
        # Called by the template only when its fragment is not in the pages cache.
        "similar": lambda: similar(listing_id=listing.pk, limit=4),
        "versions": versions,
        "release": release.identity(),  # the fragment's HTML is this release's
        "fragment_seconds": SAFETY_TIMEOUT,
        # The booking panel (bookings/_book_panel.html): dates with seats for the smallest group,
        # the others (for the waiting list), and for a signed-in viewer the form's one-time token.
        "book_slots": [slot for slot in slots if slot.seats_left >= party],
        "full_slots": [slot for slot in slots if slot.seats_left < party],
        "hold_minutes": settings.BOOKINGS_HOLD_MINUTES,
        "request_hours": settings.BOOKINGS_REQUEST_HOURS,
        "seats_bounds": bounds,
    }
    if request.user.is_authenticated:
        context["booking_form_token"] = new_form_token()
    return render(request, "web/listing_detail.html", context)


@csrf_exempt
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's `set_language`, posted by the language menu on every page. A signed-in visitor's
    form carries a CSRF token, checked as on every form. An anonymous visitor's page is cached
    and shared whole, so it carries none (templates/_language_switcher.html); their request is
    refused when the browser says another site sent it: `Sec-Fetch-Site`, else `Origin` (the
    check Go's net/http CrossOriginProtection makes). A request with neither header comes from
    no browser that another site could drive, and the most a forged one could change is the
    language a visitor with no account reads the site in.

    A signed-in visitor's choice is also stored on their account (`User.preferred_language`),
    which SiteLanguageMiddleware applies over the cookie on any browser they sign in with."""
    if request.user.is_authenticated:
        response = csrf_protect(i18n.set_language)(request)
        # Set only after the CSRF check, for any language Django has a catalogue for: only the
        # site's own are a choice to keep (the cookie's others are ignored as well).
        chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen is not None and chosen.value in valid_languages():
            update_profile(user_id=request.user.pk, preferred_language=chosen.value)
        return response
    if _cross_site(request):
        return HttpResponseForbidden(
            gettext("Cross-site request refused."), content_type="text/plain; charset=utf-8"
        )
    return i18n.set_language(request)


def _cross_site(request: HttpRequest) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    try:
        return urlsplit(origin).netloc != request.get_host()
    except ValueError:  # not a URL ("http://["): not this site either
        return True
