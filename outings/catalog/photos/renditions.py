"""Cleaning a photo's upload and making its renditions, in the background. Called by the outbox
handler (handlers.py), at least once per photo: idempotent (an upload already cleaned is not
cleaned again, a ready photo is left alone; renditions are written under fixed names, so a
second run overwrites the first's) and safe against the photo being deleted meanwhile (files
written for a photo that is gone are removed)."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from outings.catalog.models import ListingPhoto
from outings.catalog.photos.images import ImageRejected, clean_upload, make_renditions
from outings.catalog.photos.services import DELETE_FILES_KIND, is_upload, store_clean_image
from outings.common import outbox

logger = logging.getLogger(__name__)

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
            original = cleaned
        stem = original.rsplit(".", 1)[0]
        with default_storage.open(original, "rb") as source:
            renditions = make_renditions(source)
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
        with transaction.atomic():
            if ListingPhoto.objects.filter(pk=photo_id).update(
                status=Status.FAILED, error=f"{type(refused).__name__}: {refused.message}"[:1000]
            ):
                outbox.enqueue(kind=DELETE_FILES_KIND, payload={"names": [original]})
        return
    except Exception as exc:
        logger.warning("photo %s: renditions failed: %s", photo_id, exc, exc_info=True)
        if not last_attempt:
            raise RenditionFailed(str(exc)) from exc
        ListingPhoto.objects.filter(pk=photo_id).update(
            status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        return
    with transaction.atomic():
        marked = ListingPhoto.objects.filter(pk=photo_id).update(
            status=Status.READY, renditions=stored, error=""
        )
    if not marked:  # deleted while we worked
        for name in written:
            default_storage.delete(name)


def _clean(photo: ListingPhoto) -> str | None:
    """Decode the photo's upload (stored as sent by add_photo), write it anew without its
    metadata (images.clean_upload) as the photo's image, and remove the upload after commit
    (through the outbox). The new image's name, or None when the photo was deleted meanwhile
    (its delete removes the upload). ImageRejected when the pixels cannot be decoded."""
    upload = str(photo.image.name)
    with default_storage.open(upload, "rb") as file:
        clean = clean_upload(file, size=default_storage.size(upload))
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
    return name


def report_stopped(*, photo_id: int, attempts: int) -> None:
    """Mark the photo failed because each of its `attempts` stopped the worker that made its
    renditions (the dashboard reports it, as any failed photo); a ready photo is left alone."""
    ListingPhoto.objects.filter(pk=photo_id).exclude(status=Status.READY).update(
        status=Status.FAILED,
        error=f"each of {attempts} attempts stopped its worker (out of memory or out of time)",
    )


def delete_files(names: list[str]) -> None:
    """Remove stored files; a file already gone is fine (idempotent)."""
    for name in names:
        default_storage.delete(name)
