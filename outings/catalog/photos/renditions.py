"""Cleaning a photo's upload and making its renditions, in the background. Called by the outbox
handler (handlers.py), at least once per photo: idempotent (an upload already cleaned is not
cleaned again, a ready photo is left alone; renditions are written under fixed names, so a
second run overwrites the first's) and safe against the photo being deleted meanwhile (files
written for a photo that is gone are removed)."""

import itertools
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import transaction

from outings.catalog.models import ListingPhoto
from outings.catalog.photos.images import (
    ImageRejected,
    Rendition,
    clean_and_render,
    make_renditions,
)
from outings.catalog.photos.services import (
    DELETE_FILES_KIND,
    UPLOADS,
    is_upload,
    store_clean_image,
    uploads_storage,
)
from outings.common import outbox

logger = logging.getLogger(__name__)

# How long an upload no pending photo names is left alone by sweep_uploads: far longer than a
# request takes from storing it to committing its photo.
UPLOAD_GRACE = timedelta(hours=6)
# How many stored uploads sweep_uploads asks the database about at once.
SWEEP_BATCH = 500

Status = ListingPhoto.Status


class RenditionFailed(Exception):
    """A rendition could not be made this time; the outbox retries it with backoff."""


def _save(name: str, content: bytes) -> str:
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))


def render_photo(*, photo_id: int, last_attempt: bool) -> None:
    """Make and store the renditions of one photo, then mark it ready. On failure: raise
    RenditionFailed to be retried, or on the last attempt mark the photo failed (the host's
    dashboard reports it) and return, so that nothing is lost silently."""
    photo = ListingPhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.status == Status.READY:
        return
    original = str(photo.image.name)
    written: list[str] = []
    try:
        if is_upload(original):
            cleaned = _clean(photo)
            if cleaned is None:  # deleted meanwhile
                return
            original, renditions = cleaned
        else:  # cleaned by an earlier attempt, which failed afterwards
            with default_storage.open(original, "rb") as source:
                renditions = make_renditions(source)
        stem = original.rsplit(".", 1)[0]
        stored: dict[str, dict[str, object]] = {}
        for name, rendition in renditions.items():
            webp = _save(f"{stem}/{name}.webp", rendition.webp)
            jpeg = _save(f"{stem}/{name}.jpg", rendition.jpeg)
            written += [webp, jpeg]
            stored[name] = {
                "webp": webp,
                "jpeg": jpeg,
                "width": rendition.width,
                "height": rendition.height,
            }
    except ImageRejected as refused:
        # Its pixels cannot be decoded (the request checked all it could without decoding
        # them): trying again would not change that. The host's dashboard names the photo.
        # The upload, metadata and all, is not kept for it: nothing will read it again.
        logger.info("photo %s: its upload cannot be used: %s", photo_id, refused.message)
        _fail(photo_id, error=f"{type(refused).__name__}: {refused.message}")
        return
    except Exception as exc:
        logger.warning("photo %s: renditions failed: %s", photo_id, exc, exc_info=True)
        if not last_attempt:
            raise RenditionFailed(str(exc)) from exc
        _fail(photo_id, error=f"{type(exc).__name__}: {exc}")
        return
    with transaction.atomic():
        marked = ListingPhoto.objects.filter(pk=photo_id).update(
            status=Status.READY, renditions=stored, error=""
        )
    if not marked:  # deleted while we worked
        for name in written:
            default_storage.delete(name)


def _fail(photo_id: int, *, error: str) -> None:
    """Mark the photo failed (the host's dashboard names it), unless it is ready; its upload, if
    it still has one, is removed through the outbox in the same transaction: nothing will read
    it again, and it holds the photo as sent, metadata and all (until session 22 a photo failed
    otherwise than by its pixels kept it for good)."""
    with transaction.atomic():
        photo = (
            ListingPhoto.objects.select_for_update()
            .filter(pk=photo_id)
            .exclude(status=Status.READY)
            .only("image")
            .first()
        )
        if photo is None:
            return
        ListingPhoto.objects.filter(pk=photo_id).update(status=Status.FAILED, error=error[:1000])
        if is_upload(str(photo.image.name)):
            outbox.enqueue(kind=DELETE_FILES_KIND, payload={"names": [str(photo.image.name)]})


def _source(name: str) -> Storage:
    """The storage an upload waits in: the uploads' own, or the media's for one stored there
    before session 22 (its photo pending since)."""
    uploads = uploads_storage()
    return uploads if uploads.exists(name) else default_storage


def _clean(photo: ListingPhoto) -> tuple[str, dict[str, Rendition]] | None:
    """Decode the photo's upload (stored as sent by add_photo), write it anew without its
    metadata as the photo's image, and remove the upload after commit (through the outbox).
    The new image's name and its renditions, made from the same decode
    (images.clean_and_render), or None when the photo was deleted meanwhile (its delete
    removes the upload). ImageRejected when the pixels cannot be decoded."""
    upload = str(photo.image.name)
    source = _source(upload)
    with source.open(upload, "rb") as file:
        clean, renditions = clean_and_render(file, size=source.size(upload))
    name = store_clean_image(clean=clean, folder=f"listings/{photo.listing_id}")
    with transaction.atomic():
        moved = ListingPhoto.objects.filter(pk=photo.pk, image=upload).update(
            image=name, width=clean.width, height=clean.height
        )
        if moved:
            outbox.enqueue(kind=DELETE_FILES_KIND, payload={"names": [upload]})
    if not moved:
        default_storage.delete(name)
        return None
    return name, renditions


def report_stopped(*, photo_id: int, attempts: int) -> None:
    """Mark the photo failed because each of its `attempts` stopped the worker that made its
    renditions (the dashboard reports it, as any failed photo), and remove its upload; a ready
    photo is left alone."""
    _fail(
        photo_id,
        error=f"each of {attempts} attempts stopped its worker (out of memory or out of time)",
    )


def sweep_uploads(*, now: datetime) -> int:
    """Remove the uploads that no pending photo waits on and that were stored more than
    UPLOAD_GRACE before `now`, from the uploads' storage and from the media's (where they
    waited until session 22): one stored by a request that died before its photo committed,
    and one a failed photo kept before session 22. A pending photo's upload stays, however old:
    its task, or the failure it reports, removes it. How many were removed. Beat runs it hourly
    (outings.catalog.tasks.sweep_uploads); safe to run twice at once.

    One query for each SWEEP_BATCH names (until session 23, one for each name); the storage is
    asked the time of those no pending photo names only. A photo committed after its batch's
    query is safe all the same: its upload was stored moments before, well within the grace."""
    removed = 0
    for storage in (uploads_storage(), default_storage):
        for batch in itertools.batched(_stored_uploads(storage), SWEEP_BATCH):
            waited_on = set(
                ListingPhoto.objects.filter(image__in=batch, status=Status.PENDING).values_list(
                    "image", flat=True
                )
            )
            for name in batch:
                if name in waited_on or storage.get_modified_time(name) > now - UPLOAD_GRACE:
                    continue
                storage.delete(name)
                removed += 1
    return removed


def _stored_uploads(storage: Storage) -> Iterator[str]:
    root = f"{UPLOADS}/listings"
    try:
        folders, _files = storage.listdir(root)
    except FileNotFoundError:  # nothing uploaded yet (a bucket lists an empty prefix)
        return
    for folder in folders:
        for name in storage.listdir(f"{root}/{folder}")[1]:
            yield f"{root}/{folder}/{name}"


def delete_files(names: list[str]) -> None:
    """Remove stored files; a file already gone is fine (idempotent). An upload's name is
    removed from the uploads' storage, and from the media's, where it waited until session 22."""
    for name in names:
        if is_upload(name):
            uploads_storage().delete(name)
        default_storage.delete(name)
