"""A listing's photos for its host: upload (multipart), describe, reorder, delete. Renditions are
made in the background after the upload; `status` says when they are ready."""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile

from outings.api.auth import AUTHENTICATED
from outings.api.errors import ValidationFailed, responses
from outings.api.pagination import Page, Paged, PageParams, paginate
from outings.api.params import Id, IdempotencyKey
from outings.api.routes.hosting.common import created, host, located, no_content
from outings.api.routes.hosting.schemas import PhotoOrderIn, PhotoOut, PhotoPatch
from outings.catalog.models import ListingPhoto
from outings.catalog.photos import services
from outings.catalog.services import own_listing

router = Router(tags=["hosting"], auth=AUTHENTICATED)
ERRORS = responses(400, 401, 403, 404, 409, 413, 429)


def _photos(request: HttpRequest, listing_id: int) -> QuerySet[ListingPhoto]:
    listing = own_listing(host=host(request), listing_id=listing_id)
    return ListingPhoto.objects.filter(listing=listing)


@router.get(
    "/host/listings/{listing_id}/photos",
    response={200: Paged[PhotoOut], **responses(400, 401, 403, 404, 429)},
)
def list_photos(
    request: HttpRequest, listing_id: Id, page: Query[PageParams]
) -> Page[ListingPhoto]:
    """The listing's photos in display order."""
    return paginate(
        _photos(request, listing_id),
        ordering=("position", "id"),
        cursor=page.cursor,
        limit=page.limit,
        namespace=f"photos:{listing_id}",
    )


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
    at most 15 MB and 40 megapixels; checked by content, re-encoded without metadata."""
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


@router.patch("/host/listings/{listing_id}/photos/{photo_id}", response={200: PhotoOut, **ERRORS})
def update_photo(
    request: HttpRequest, listing_id: Id, photo_id: Id, payload: PhotoPatch
) -> ListingPhoto:
    """Change the photo's description for screen readers."""
    return located(
        "body.payload",
        lambda: services.update_photo(
            host=host(request), listing_id=listing_id, photo_id=photo_id, alt_text=payload.alt_text
        ),
    )


@router.delete("/host/listings/{listing_id}/photos/{photo_id}", response={204: None, **ERRORS})
def delete_photo(request: HttpRequest, listing_id: Id, photo_id: Id) -> HttpResponse:
    services.delete_photo(host=host(request), listing_id=listing_id, photo_id=photo_id)
    return no_content()


@router.put("/host/listings/{listing_id}/photo-order", response={200: list[PhotoOut], **ERRORS})
def reorder_photos(
    request: HttpRequest, listing_id: Id, payload: PhotoOrderIn
) -> list[ListingPhoto]:
    """Put the photos in this order; name every photo of the listing exactly once."""
    return located(
        "body.payload",
        lambda: services.reorder_photos(
            host=host(request), listing_id=listing_id, photo_ids=payload.photo_ids
        ),
    )
