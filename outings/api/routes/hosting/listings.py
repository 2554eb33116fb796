"""A host's own listings: list, create, read, replace (versioned) and change state."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router

from outings.api import idempotency
from outings.api.auth import AUTHENTICATED, caller
from outings.api.caching import cacheable, not_modified, set_no_store
from outings.api.errors import responses
from outings.api.pagination import Page, Paged, PageParams, paginate
from outings.api.params import Id, IdempotencyKey
from outings.api.routes.hosting.common import (
    IfMatch,
    IfMatchWrite,
    change_versioned,
    created,
    edit_versioned,
    etag_of,
    host,
)
from outings.api.routes.hosting.schemas import HostListingOut, ListingIn, ListingUpdateIn
from outings.api.schemas import NoBody
from outings.bookings import services as bookings
from outings.catalog import services
from outings.catalog.models import Listing
from outings.common.errors import ExpectedVersion

router = Router(tags=["hosting"], auth=AUTHENTICATED)
ERRORS = responses(400, 401, 403, 404, 409, 429)
CREATE_ERRORS = responses(400, 401, 403, 409, 422, 429)


@router.get(
    "/host/listings", response={200: Paged[HostListingOut], **responses(400, 401, 403, 429)}
)
def list_own_listings(
    request: HttpRequest, response: HttpResponse, page: Query[PageParams]
) -> Page[Listing]:
    """The caller's listings in every state, newest first."""
    owner = host(request)
    set_no_store(response)
    return paginate(
        Listing.objects.filter(host=owner).select_related("category"),
        ordering=("-id",),
        cursor=page.cursor,
        limit=page.limit,
        namespace=f"host-listings:{owner.pk}",
    )


@router.post("/host/listings", response={201: HostListingOut, **CREATE_ERRORS})
def create_listing(
    request: HttpRequest, payload: ListingIn, idempotency_key: IdempotencyKey = None
) -> HttpResponse:
    """A new draft. The time zone follows from the point; the description is Markdown."""
    owner = host(request)
    return created(
        request,
        key=idempotency_key,
        schema=HostListingOut,
        where="body.payload",
        action=lambda: services.create_listing(
            host=owner, data=payload.to_data(), actor=caller(request)
        ),
    )


@router.get(
    "/host/listings/{listing_id}",
    response={200: HostListingOut, 304: None, **responses(400, 401, 403, 404, 429)},
)
def get_own_listing(
    request: HttpRequest, response: HttpResponse, listing_id: Id
) -> Listing | HttpResponse:
    """One of the caller's listings, with its ETag (send it back as If-Match to edit it, or as
    If-None-Match: 304 while it is unchanged; every write moves its version)."""
    listing = services.own_listing(host=host(request), listing_id=listing_id)
    etag = etag_of(listing)
    return not_modified(request, etag) or cacheable(request, response, etag, listing)


@router.put(
    "/host/listings/{listing_id}",
    response={200: HostListingOut, **responses(400, 401, 403, 404, 409, 412, 429)},
)
def replace_listing(
    request: HttpRequest,
    response: HttpResponse,
    listing_id: Id,
    payload: ListingUpdateIn,
    if_match: IfMatch = None,
) -> Listing:
    """Replace every editable field (the booking settings `instant_booking`, `min_guests` and
    `min_guests_cutoff_hours` stay as they are when left out). A higher `min_guests` applies to
    the dates whose cut-off is still ahead: one past it is decided at once by the minimum it
    had. Say which version the edit is
    based on, with If-Match (a stale one is 412) or `version` (a stale one is 409 with the
    current listing in `error.fields.current`); without either, the edit is refused (400)."""
    owner = host(request)

    def edit(expected: ExpectedVersion) -> Listing:
        assert expected is not None  # required: edit_versioned refused an edit saying neither
        return bookings.update_listing(
            host=owner,
            listing_id=listing_id,
            expected_version=expected,
            data=payload.to_data(),
            actor=caller(request),
            now=timezone.now(),
            clock=timezone.now,
        )

    return edit_versioned(
        request, response, version=payload.version, schema=HostListingOut, edit=edit
    )


def _state_route(name: str, summary: str) -> None:
    @router.post(
        f"/host/listings/{{listing_id}}/{name}",
        response={200: HostListingOut, **ERRORS, **responses(412, 422)},
        operation_id=f"{name}_listing",
        summary=summary,
        description="With If-Match (the listing's ETag), only if the listing is still at that "
        "version (412 otherwise); the answer carries its new `version`.",
    )
    def change(
        request: HttpRequest,
        listing_id: Id,
        payload: NoBody = None,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatchWrite = None,
    ) -> HttpResponse:
        owner, actor = host(request), caller(request)

        def act(expected: ExpectedVersion) -> Listing:
            if name == "archive":
                return services.archive_listing(
                    host=owner,
                    listing_id=listing_id,
                    actor=actor,
                    now=timezone.now(),
                    expected_version=expected,
                )
            action = {
                "submit": services.submit_listing,
                "pause": services.pause_listing,
                "resume": services.resume_listing,
            }[name]
            return action(host=owner, listing_id=listing_id, actor=actor, expected_version=expected)

        # Once per Idempotency-Key, as every host POST: a retry gets the first answer, not a
        # 409 for a state its own first try reached.
        return idempotency.respond(
            request,
            key=idempotency_key,
            status=200,
            schema=HostListingOut,
            action=lambda: change_versioned(request, act),
        )


_state_route("submit", "Submit a draft for review (or publish it when approval is off)")
_state_route("pause", "Take a published listing off the site for a while")
_state_route("resume", "Publish a paused listing again")
_state_route("archive", "Retire a listing for good")
