"""The public pages: home, the list of things to do, one listing. Views parse the request, call
selectors and render; they hold no rules of their own."""

import math
import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from outings.bookings.forms import new_form_token
from outings.catalog import selectors as catalog
from outings.catalog.photos.selectors import photos_for_listing
from outings.common import pagetokens
from outings.common.cache import get_or_compute
from outings.common.pagetokens import BadCursor
from outings.scheduling import selectors as scheduling
from outings.search.related import similar
from outings.stats.services import record_listing_view

FEATURED_PER_CATEGORY = 2
NEARBY_COUNT = 8
UPCOMING_SLOTS = 10
# Aggregates over the whole catalogue; a few minutes stale is fine on the home page.
AGGREGATE_CACHE_SECONDS = 300

_CURSOR = re.compile(r"id:([1-9][0-9]{0,18})")
_MAX_ID = 2**63 - 1


def encode_cursor(after_id: int) -> str:
    return pagetokens.encode(f"id:{after_id}")


def decode_cursor(token: str) -> int:
    """The id a page token continues after; BadCursor for anything encode_cursor did not make."""
    match = pagetokens.decode(token, pattern=_CURSOR, max_length=40)
    if int(match.group(1)) > _MAX_ID:
        raise BadCursor(token)
    return int(match.group(1))


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
    point = _point(request)
    city: str | None = None
    if point is not None:
        nearby = catalog.nearest_listings(latitude=point[0], longitude=point[1], limit=NEARBY_COUNT)
    else:
        city = get_or_compute("web:busiest-city", catalog.busiest_city, AGGREGATE_CACHE_SECONDS)
        nearby = [] if city is None else catalog.listings_in_city(city=city, limit=NEARBY_COUNT)
    categories = get_or_compute(
        "web:category-counts", catalog.categories_with_counts, AGGREGATE_CACHE_SECONDS
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


def listing_list(request: HttpRequest) -> HttpResponse:
    """Public listings, newest first, optionally in one category and/or city, keyset-paginated.

    Requests from htmx ("Show more") get only the next cards and the new pager."""
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
            return render(request, "web/bad_cursor.html", status=400)

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
    htmx = request.headers.get("HX-Request") == "true"
    template = "web/_listing_page.html" if htmx else "web/listing_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One listing with its next dates; 404 unless it is public."""
    listing = catalog.get_public_listing(listing_id=pk)
    slots = scheduling.upcoming_slots(listing_id=pk, now=timezone.now(), limit=UPCOMING_SLOTS)
    record_listing_view(listing_id=listing.pk)  # buffered: no database write per view
    party = max(1, listing.min_group_size)  # the smallest booking a hold takes
    context = {
        "listing": listing,
        "slots": slots,
        "photos": photos_for_listing(listing),
        "similar": similar(listing_id=listing.pk, limit=4),
        # The booking panel (bookings/_book_panel.html): dates with seats for the smallest group,
        # the others (for the waiting list), and for a signed-in viewer the form's one-time token.
        "book_slots": [slot for slot in slots if slot.seats_left >= party],
        "full_slots": [slot for slot in slots if slot.seats_left < party],
        "hold_minutes": settings.BOOKINGS_HOLD_MINUTES,
    }
    if not request.user.is_authenticated:
        return render(request, "web/listing_detail.html", context)
    context["booking_form_token"] = new_form_token()
    response = render(request, "web/listing_detail.html", context)
    # The page carries a one-time token. `private`: no shared cache keeps this guest's token.
    # `no-cache`, not `no-store`: a visit or a reload asks the server again (a new token, fresh
    # seats), while Back restores the page as the guest left it, with the token of the form
    # they already sent, so pressing "Book" again answers with that booking instead of booking
    # twice (`bookings.views.book`). `no-store` made the browser refetch on Back: a new token.
    patch_cache_control(response, private=True, no_cache=True)
    return response
