"""A listing's photos for its host: upload (multipart), describe, reorder, delete. Renditions are
made in the background after the upload; `status` says when they are ready."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile

from outings.api.auth import AUTHENTICATED
from outings.api.caching import set_no_store
from outings.api.errors import ValidationFailed, responses
from outings.api.pagination import PageParams, paginate
from outings.api.params import Id, IdempotencyKey
from outings.api.routes.hosting.common import (
    IfMatch,
    IfMatchWrite,
    change_versioned,
    created,
    edit_versioned,
    host,
    no_content,
)
from outings.api.routes.hosting.schemas import (
    PhotoOrderIn,
    PhotoOrderOut,
    PhotoOut,
    PhotoPage,
    PhotoPatch,
)
from outings.api.schemas import NoBody
from outings.catalog.models import ListingPhoto
from outings.catalog.photos import services
from outings.catalog.services import own_listing

router = Router(tags=["hosting"], auth=AUTHENTICATED)
ERRORS = responses(400, 401, 403, 404, 409, 429)


@router.get(
    "/host/listings/{listing_id}/photos",
    response={200: PhotoPage, **responses(400, 401, 403, 404, 429)},
)
def list_photos(
    request: HttpRequest, response: HttpResponse, listing_id: Id, page: Query[PageParams]
) -> dict[str, object]:
    """The listing's photos in display order, and the version of that order (`order_version`).
    A page's cursors belong to the order they were read in: once photos change places (a
    reorder, a delete), a cursor read before is a 400 on `query.cursor` (start again from the
    first page) rather than a page that repeats or skips photos. An upload goes last and moves
    no other photo, so the pages read on."""
    listing = own_listing(host=host(request), listing_id=listing_id)
    set_no_store(response)
    try:
        found = paginate(
            ListingPhoto.objects.filter(listing=listing),
            ordering=("position", "id"),
            cursor=page.cursor,
            limit=page.limit,
            namespace=f"photos:{listing_id}:{listing.photo_order_version}",
        )
    except ValidationFailed as error:
        raise ValidationFailed(
            fields={
                "query.cursor": [
                    _(
                        "The cursor is not valid: the photos may have changed places since "
                        "(a reorder or a delete). Start again from the first page."
                    )
                ]
            }
        ) from error
    return {**vars(found), "order_version": listing.photo_order_version}


@router.post(
    "/host/listings/{listing_id}/photos",
    response={201: PhotoOut, **ERRORS, **responses(415, 422)},
)
def upload_photo(
    request: HttpRequest,
    listing_id: Id,
    file: File[UploadedFile | None] = None,
    alt_text: Form[str] = "",
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Upload one photo (multipart/form-data: `file`, optional `alt_text`). JPEG, PNG or WebP,
    at most 15 MB and 40 megapixels, complete to its end; checked by content here, then
    re-encoded without metadata in the background with its renditions (`status` is `pending`
    until then, `failed` if its pixels cannot be decoded)."""
    owner = host(request)
    own_listing(host=owner, listing_id=listing_id)
    if file is None:
        raise ValidationFailed(fields={"body.file": [_("Attach the photo as `file`.")]})
    return created(
        request,
        key=idempotency_key,
        schema=PhotoOut,
        where="body",
        action=lambda: services.add_photo(
            host=owner, listing_id=listing_id, file=file, size=file.size or 0, alt_text=alt_text
        ),
    )


@router.patch(
    "/host/listings/{listing_id}/photos/{photo_id}",
    response={200: PhotoOut, **ERRORS, **responses(412)},
)
def update_photo(
    request: HttpRequest,
    response: HttpResponse,
    listing_id: Id,
    photo_id: Id,
    payload: PhotoPatch,
    if_match: IfMatch = None,
) -> ListingPhoto:
    """Change the photo's description for screen readers. Say which version it is based on,
    as for a listing: If-Match with the photo's `version` (`"<version>"`; a stale one is 412)
    or `version` (a stale one is 409 with the current photo in `error.fields.current`). v1
    took this edit without a version, so one without either stays unconditional."""
    owner = host(request)
    return edit_versioned(
        request,
        response,
        version=payload.version,
        schema=PhotoOut,
        required=False,  # v1 took photo edits without a version: they stay unconditional
        edit=lambda expected: services.update_photo(
            host=owner,
            listing_id=listing_id,
            photo_id=photo_id,
            alt_text=payload.alt_text,
            expected_version=expected,
        ),
    )


@router.delete(
    "/host/listings/{listing_id}/photos/{photo_id}",
    response={204: None, **ERRORS, **responses(412)},
)
def delete_photo(
    request: HttpRequest,
    listing_id: Id,
    photo_id: Id,
    if_match: IfMatchWrite = None,
    payload: NoBody = None,
) -> HttpResponse:
    """Delete the photo; the others close the gap. With If-Match (the photo's `version`,
    `"<version>"`), only if its description is still as you read it (412 otherwise)."""
    owner = host(request)
    change_versioned(
        request,
        lambda expected: services.delete_photo(
            host=owner, listing_id=listing_id, photo_id=photo_id, expected_version=expected
        ),
    )
    return no_content()


@router.put(
    "/host/listings/{listing_id}/photo-order",
    response={200: list[PhotoOut], **ERRORS, **responses(412)},
)
def reorder_photos(
    request: HttpRequest,
    response: HttpResponse,
    listing_id: Id,
    payload: PhotoOrderIn,
    if_match: IfMatch = None,
) -> list[ListingPhoto]:
    """Put the photos in this order; name every photo of the listing exactly once. Say which
    order it is based on: If-Match with the `order_version` of the photo list (or the ETag of
    the last reorder; a stale one is 412) or `version` (a stale one is 409 with the current
    `photo_ids` and `version` in `error.fields.current`). Without either it is unconditional,
    as in v1."""
    owner = host(request)
    order = edit_versioned(
        request,
        response,
        version=payload.version,
        schema=PhotoOrderOut,
        required=False,  # v1 took reorders without a version: they stay unconditional
        edit=lambda expected: services.reorder_photos(
            host=owner,
            listing_id=listing_id,
            photo_ids=payload.photo_ids,
            expected_version=expected,
        ),
    )
    return order.photos
