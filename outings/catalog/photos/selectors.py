"""Reads of photos for pages and the API."""

from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing, ListingPhoto


@dataclass(frozen=True)
class Source:
    webp: str
    jpeg: str
    width: int
    height: int


@dataclass(frozen=True)
class PhotoView:
    """A photo as a page shows it: URLs of each rendition once they exist."""

    id: int
    alt_text: str
    version: int
    status: str
    position: int
    thumb: Source | None
    card: Source | None
    full: Source | None

    @property
    def ready(self) -> bool:
        return self.status == ListingPhoto.Status.READY


def _source(photo: ListingPhoto, name: str) -> Source | None:
    rendition = photo.renditions.get(name) if photo.status == ListingPhoto.Status.READY else None
    if not rendition:
        return None
    return Source(
        webp=default_storage.url(rendition["webp"]),
        jpeg=default_storage.url(rendition["jpeg"]),
        width=int(rendition["width"]),
        height=int(rendition["height"]),
    )


def view_of(photo: ListingPhoto) -> PhotoView:
    return PhotoView(
        id=photo.pk,
        alt_text=photo.alt_text,
        version=photo.version,
        status=photo.status,
        position=photo.position,
        thumb=_source(photo, "thumb"),
        card=_source(photo, "card"),
        full=_source(photo, "full"),
    )


def photos_for_listing(listing: Listing, *, ready_only: bool = False) -> list[PhotoView]:
    """The listing's photos in the host's order (one query); with `ready_only`, those whose
    renditions are made (what guests see: a photo still being prepared, or that could not be,
    is the host's business). The caller decides whether the viewer may see the listing."""
    photos = ListingPhoto.objects.filter(listing=listing)
    if ready_only:
        photos = photos.filter(status=ListingPhoto.Status.READY)
    return [view_of(photo) for photo in photos]


def failed_photos(*, host: HostProfile) -> QuerySet[ListingPhoto]:
    """The host's photos whose renditions could not be made: they need a new upload. Not those
    of an archived listing, which takes no upload and no delete: nothing the host could do."""
    return (
        ListingPhoto.objects.filter(listing__host=host, status=ListingPhoto.Status.FAILED)
        .exclude(listing__status=Listing.Status.ARCHIVED)
        .select_related("listing")
    )
