"""Public reads of the catalogue: categories, listings, a listing's upcoming slots."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from outings.api import selectors
from outings.api.auth import OPTIONAL, PUBLIC_SECURITY
from outings.api.caching import cacheable, etag_of_rows, make_etag, not_modified
from outings.api.errors import responses
from outings.api.pagination import Page, Paged, PageParams, paginate
from outings.api.params import Id
from outings.api.schemas import (
    LISTING_COLUMNS,
    LISTING_DETAIL_COLUMNS,
    CategoryOut,
    ListingDetailOut,
    ListingFilters,
    ListingOut,
    SlotOut,
)
from outings.bookings.selectors import with_seats_left
from outings.catalog.models import Category, Listing
from outings.scheduling.models import Slot

router = Router(tags=["catalogue"], auth=OPTIONAL)


# Built once per process (the public filter, the joins and the column list cost about 0.1 ms of
# CPU to build): a queryset is lazy and .filter() returns a clone, so this one is never evaluated.
PUBLIC_LISTING_DETAILS = selectors.public_listings().only(*LISTING_DETAIL_COLUMNS)


@router.get(
    "/categories",
    response={200: Paged[CategoryOut], 304: None, **responses(400, 401, 429)},
    openapi_extra=PUBLIC_SECURITY,
)
def list_categories(
    request: HttpRequest, response: HttpResponse, page: Query[PageParams]
) -> Page[Category] | HttpResponse:
    """Every category, in display order."""
    result = paginate(
        selectors.categories(),
        ordering=("position", "id"),
        cursor=page.cursor,
        limit=page.limit,
        namespace="categories",
    )
    # The name too: it comes from the code and its translations, not the row, so a release
    # that words it anew changes the list (the language is in every ETag already).
    etag = etag_of_rows(
        ((c.pk, c.slug, c.position, c.name) for c in result.items), result.next, result.previous
    )
    return not_modified(request, etag) or cacheable(request, response, etag, result)


@router.get(
    "/listings",
    response={200: Paged[ListingOut], 304: None, **responses(400, 401, 429)},
    openapi_extra=PUBLIC_SECURITY,
)
def list_listings(
    request: HttpRequest, response: HttpResponse, filters: Query[ListingFilters]
) -> Page[Listing] | HttpResponse:
    """Published listings, newest first, filtered by category, place and price."""
    result = paginate(
        selectors.public_listings(
            category=filters.category,
            city=filters.city,
            country=filters.country,
            price_min=filters.price_min,
            price_max=filters.price_max,
        ).only(*LISTING_COLUMNS),
        ordering=("-id",),
        cursor=filters.cursor,
        limit=filters.limit,
        namespace=filters.namespace("listings"),
    )
    etag = etag_of_rows(
        ((item.pk, item.version, item.updated_at, item.host.display_name) for item in result.items),
        result.next,
        result.previous,
    )
    return not_modified(request, etag) or cacheable(request, response, etag, result)


@router.get(
    "/listings/{listing_id}",
    response={200: ListingDetailOut, 304: None, **responses(400, 401, 404, 429)},
    openapi_extra=PUBLIC_SECURITY,
)
def get_listing(
    request: HttpRequest, response: HttpResponse, listing_id: Id
) -> Listing | HttpResponse:
    """One published listing."""
    listing = selectors.get_public_listing(listing_id=listing_id, among=PUBLIC_LISTING_DETAILS)
    etag = make_etag(listing.pk, listing.version, listing.updated_at, listing.host.display_name)
    return not_modified(request, etag) or cacheable(request, response, etag, listing)


@router.get(
    "/listings/{listing_id}/slots",
    response={200: Paged[SlotOut], 304: None, **responses(400, 401, 404, 429)},
    openapi_extra=PUBLIC_SECURITY,
)
def list_listing_slots(
    request: HttpRequest, response: HttpResponse, listing_id: Id, page: Query[PageParams]
) -> Page[Slot] | HttpResponse:
    """The listing's open slots that have not started yet, soonest first, with the exact seats
    left (a hold that lapsed counts as free at once, before the sweep ends it)."""
    now = timezone.now()
    result = paginate(
        with_seats_left(selectors.upcoming_open_slots(listing_id=listing_id, now=now), now=now),
        ordering=("starts_at", "id"),
        cursor=page.cursor,
        limit=page.limit,
        namespace=f"slots:{listing_id}",
    )
    etag = etag_of_rows(
        ((s.pk, s.starts_at, s.ends_at, s.capacity, s.seats_left) for s in result.items),
        result.next,
        result.previous,
    )
    return not_modified(request, etag) or cacheable(request, response, etag, result)
