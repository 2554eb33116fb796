"""Writes to listing photos. The upload is checked in the request without being decoded
(images.check_upload: milliseconds) and stored as sent under UPLOADS; decoding it, re-encoding
it clean and making its renditions is the background work of the outbox handler in
handlers.py (renditions.py), never the request's: seconds a photo, and a post of the site's form
carries up to 64 MB of them. Files go through Django's storage API (local disk or S3)."""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage, storages
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from outings.accounts.models import HostProfile
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.photos.images import CleanImage, check_upload
from outings.catalog.services import HostSuspended, InvalidTransition
from outings.common import formtokens, outbox
from outings.common.errors import (
    DomainError,
    ExpectedVersion,
    NotFound,
    StaleVersion,
    version_is_current,
)

logger = logging.getLogger(__name__)

RENDITIONS_KIND = "catalog.photo.renditions"
DELETE_FILES_KIND = "catalog.photo.delete_files"
MAX_ALT_TEXT = 250
# Where an upload waits, as sent (its metadata too), until the renditions' task has re-encoded it
# clean under listings/<id>/ and removed it; never shown to anyone, under an unguessable name,
# in the uploads' storage (uploads_storage), never the media's.
UPLOADS = "uploads"


def uploads_storage() -> Storage:
    """The storage uploads wait in, settings.STORAGES["uploads"] (Django builds it once per
    process, and again when a test changes STORAGES): a folder /media/ does not serve, or a
    bucket read with signed requests only. Until session 22 they waited in the media storage,
    served to anyone who had the name (and, in a public-read bucket, listed)."""
    return storages["uploads"]


class TooManyPhotos(DomainError):
    code = "too_many_photos"
    status_code = 409
    message = gettext_noop("This listing already has as many photos as it may have.")


class InvalidPhoto(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The photo details are not valid.")


@dataclass(frozen=True)
class PhotoOrder:
    """A listing's photos in their order, and the version of that order."""

    photos: list[ListingPhoto]
    version: int

    @property
    def photo_ids(self) -> list[int]:
        return [photo.pk for photo in self.photos]


class PhotoConflict(StaleVersion):
    """A description edited from an old version. `current` is the photo as it is now."""

    message = gettext_noop("Someone changed this photo's description since you opened it.")

    def __init__(self, *, current: ListingPhoto) -> None:
        super().__init__()
        self.current = current


class PhotoOrderConflict(StaleVersion):
    """A reorder based on an old order. `current` is the PhotoOrder as it is now."""

    message = gettext_noop("Someone changed the order of the photos since you opened it.")

    def __init__(self, *, current: PhotoOrder) -> None:
        super().__init__()
        self.current = current


def _locked_listing(*, host: HostProfile, listing_id: int) -> Listing:
    """One of `host`'s listings, row-locked so that photo counts and positions move one writer
    at a time. NotFound for anyone else's; InvalidTransition for an archived one, which is
    retired for good and edited no more (its photos included)."""
    listing = (
        Listing.objects.select_for_update(no_key=True).filter(pk=listing_id, host=host).first()
    )
    if listing is None:
        raise NotFound()
    if listing.status == Listing.Status.ARCHIVED:
        raise InvalidTransition(_("An archived listing cannot be edited."))
    return listing


def _check_alt_text(alt_text: str) -> str:
    alt_text = alt_text.strip()
    # Said as a listing's fields say it (until session 21: "At most 250 characters.").
    if "\x00" in alt_text:
        raise InvalidPhoto(fields={"alt_text": [_("Must not contain NUL characters.")]})
    if len(alt_text) > MAX_ALT_TEXT:
        raise InvalidPhoto(
            fields={"alt_text": [_("At most %(n)s characters.") % {"n": MAX_ALT_TEXT}]}
        )
    return alt_text


def store_clean_image(*, clean: CleanImage, folder: str) -> str:
    """Save a checked image under a fresh unguessable name; the storage name."""
    name = f"{folder}/{uuid.uuid4().hex}.{clean.extension}"
    return default_storage.save(name, ContentFile(clean.content))


def is_upload(name: str) -> bool:
    """Whether a photo's stored image is its upload as sent, still to be re-encoded clean."""
    return name.startswith(f"{UPLOADS}/")


def spend_upload_token(*, host: HostProfile, listing_id: int, form_token: str | None) -> None:
    """Spend the listing page's photo form's one-time token before its first file is added:
    formtokens.AlreadySent if that form was sent before (a double click, a resend), and its
    photos are not added again. In a transaction of its own, committed at once: each photo is
    added in its own (add_photo), the good ones kept whatever the others do, so the token cannot
    wait for the last of them; a second submission running beside the first waits for the
    token only. Another host's listing is NotFound, and spends nothing."""
    if not Listing.objects.filter(pk=listing_id, host=host).exists():
        raise NotFound()
    formtokens.spend(user_id=host.user_id, token=form_token, kind="photos", made_id=listing_id)


def add_photo(
    *, host: HostProfile, listing_id: int, file: IO[bytes], size: int, alt_text: str = ""
) -> ListingPhoto:
    """Check an upload (without decoding it), store it as sent as the listing's last photo, and
    ask for its cleaning and renditions (after commit, through the outbox). Bad input raises
    before anything is stored; if the database refuses afterwards, the stored file is removed
    again."""
    if host.suspended_at is not None:
        raise HostSuspended()
    alt_text = _check_alt_text(alt_text)
    # Before the work of decoding (the costliest step): another host's listing, an archived
    # one or one already full costs nothing. Checked again under the lock below, which rules.
    status = Listing.objects.filter(pk=listing_id, host=host).values_list("status", flat=True)
    if not status:
        raise NotFound()
    if status[0] == Listing.Status.ARCHIVED:
        raise InvalidTransition(_("An archived listing cannot be edited."))
    _room_for_one_more(listing_id)
    checked = check_upload(file, size=size)
    file.seek(0)
    uploads = uploads_storage()
    name = uploads.save(
        f"{UPLOADS}/listings/{listing_id}/{uuid.uuid4().hex}.{checked.extension}", File(file)
    )
    try:
        with transaction.atomic():
            listing = _locked_listing(host=host, listing_id=listing_id)
            count = _room_for_one_more(listing_id)
            photo = ListingPhoto.objects.create(
                listing=listing,
                image=name,
                alt_text=alt_text,
                position=count,
                width=checked.width,
                height=checked.height,
            )
            outbox.enqueue(kind=RENDITIONS_KIND, payload={"photo_id": photo.pk})
    except BaseException:
        uploads.delete(name)
        raise
    return photo


def _room_for_one_more(listing_id: int) -> int:
    """The listing's number of photos; TooManyPhotos when it has as many as it may."""
    count = ListingPhoto.objects.filter(listing_id=listing_id).count()
    if count >= settings.PHOTO_MAX_PER_LISTING:
        raise TooManyPhotos(
            _("A listing may have at most %(n)s photos.") % {"n": settings.PHOTO_MAX_PER_LISTING}
        )
    return count


def _own_photo(*, host: HostProfile, listing_id: int, photo_id: int) -> ListingPhoto:
    """One of the listing's photos, row-locked (call under the listing's lock: the app's
    order). The lock waits for the renditions' task moving the photo from its upload to the
    clean image (renditions._clean, which takes no listing lock), so a delete removes what the
    photo names once that committed: read without it, a delete that had read the upload's name
    removed only that, and the clean image stayed for good (until session 23)."""
    if host.suspended_at is not None:  # a suspended host changes nothing (docs/hosting.md)
        raise HostSuspended()
    photo = (
        ListingPhoto.objects.select_for_update(of=("self",))
        .filter(pk=photo_id, listing_id=listing_id, listing__host=host)
        .first()
    )
    if photo is None:
        raise NotFound()
    return photo


@transaction.atomic
def update_photo(
    *,
    host: HostProfile,
    listing_id: int,
    photo_id: int,
    alt_text: str,
    expected_version: ExpectedVersion = None,
) -> ListingPhoto:
    """Change a photo's description for screen readers. With `expected_version` (or several),
    only if the photo is still at it, checked under the listing's row lock: of two editors
    holding the same version exactly one wins, the other gets PhotoConflict with the photo as it
    is. Every change moves `version` forward."""
    _locked_listing(host=host, listing_id=listing_id)
    photo = _own_photo(host=host, listing_id=listing_id, photo_id=photo_id)
    if not version_is_current(photo.version, expected_version):
        raise PhotoConflict(current=photo)
    photo.alt_text = _check_alt_text(alt_text)
    photo.version += 1
    photo.save(update_fields=["alt_text", "version"])
    return photo


@transaction.atomic
def delete_photo(
    *,
    host: HostProfile,
    listing_id: int,
    photo_id: int,
    expected_version: ExpectedVersion = None,
) -> None:
    """Remove a photo; its files are deleted after commit (through the outbox), and the others
    close the gap in positions (which moves the order's version when one of them moves). With
    `expected_version` (or several), only if the photo is still at it, checked under the
    listing's row lock as an edit's (PhotoConflict): a delete based on what the photo was
    never removes one whose description another editor changed meanwhile."""
    listing = _locked_listing(host=host, listing_id=listing_id)
    photo = _own_photo(host=host, listing_id=listing_id, photo_id=photo_id)
    if not version_is_current(photo.version, expected_version):
        raise PhotoConflict(current=photo)
    names = [photo.image.name, *rendition_names(photo)]
    photo.delete()
    remaining = list(ListingPhoto.objects.filter(listing_id=listing_id).order_by("position", "id"))
    _renumber(listing, remaining)
    outbox.enqueue(kind=DELETE_FILES_KIND, payload={"names": names})


def photo_order(listing: Listing) -> PhotoOrder:
    """The listing's photos in their order, with the order's version (one query)."""
    return PhotoOrder(
        photos=list(ListingPhoto.objects.filter(listing=listing).order_by("position", "id")),
        version=listing.photo_order_version,
    )


@transaction.atomic
def reorder_photos(
    *,
    host: HostProfile,
    listing_id: int,
    photo_ids: Sequence[int],
    expected_version: ExpectedVersion = None,
) -> PhotoOrder:
    """Put the listing's photos in the order of `photo_ids`, which must name each exactly once.
    With `expected_version` (or several), only if the order is still at it (checked under the
    listing's row lock; PhotoOrderConflict with the order as it is otherwise)."""
    if host.suspended_at is not None:
        raise HostSuspended()
    listing = _locked_listing(host=host, listing_id=listing_id)
    if not version_is_current(listing.photo_order_version, expected_version):
        raise PhotoOrderConflict(current=photo_order(listing))
    photos = {p.pk: p for p in ListingPhoto.objects.filter(listing_id=listing_id)}
    if sorted(photo_ids) != sorted(photos):
        raise InvalidPhoto(
            fields={"photo_ids": [_("Name every photo of the listing exactly once.")]}
        )
    ordered = [photos[pk] for pk in photo_ids]
    _renumber(listing, ordered)
    return PhotoOrder(photos=ordered, version=listing.photo_order_version)


def _renumber(listing: Listing, photos: list[ListingPhoto]) -> None:
    """Number `photos` 0, 1, ... in their order; when any of them moves, the order's version
    moves forward. Call under the listing's row lock."""
    changed = []
    for position, photo in enumerate(photos):
        if photo.position != position:
            photo.position = position
            changed.append(photo)
    if changed:
        ListingPhoto.objects.bulk_update(changed, ["position"])
        listing.photo_order_version += 1
        listing.save(update_fields=["photo_order_version"])


def rendition_names(photo: ListingPhoto) -> list[str]:
    return [
        name
        for rendition in photo.renditions.values()
        for key, name in rendition.items()
        if key in ("webp", "jpeg")
    ]
