"""Outbox handlers for photos, registered by CatalogConfig.ready in every process. They run in
Celery workers on the `slow` queue, so image work never delays urgent mail."""

from django.conf import settings

from outings.catalog.photos import renditions
from outings.catalog.photos.services import DELETE_FILES_KIND, RENDITIONS_KIND
from outings.common import outbox
from outings.common.models import OutboxMessage


@outbox.handler(
    RENDITIONS_KIND,
    queue="slow",
    atomic=False,  # image work must not hold a transaction open
    retry_on=(renditions.RenditionFailed,),
    # One more than the handler's own budget: the handler reports the failure on its last
    # attempt itself, or on the extra one when every attempt stopped its worker, so the outbox
    # never has to park a rendition.
    max_attempts=settings.PHOTO_RENDITION_ATTEMPTS + 1,
)
def make_renditions(message: OutboxMessage) -> None:
    photo_id = int(message.payload["photo_id"])
    if message.attempts > settings.PHOTO_RENDITION_ATTEMPTS:
        # The extra attempt: every attempt before it stopped its worker (killed for its memory,
        # or by the hard time limit) and reported nothing. Rendering again would stop this one
        # too and leave the photo "being processed" for ever once the outbox parked it.
        renditions.report_stopped(photo_id=photo_id, attempts=settings.PHOTO_RENDITION_ATTEMPTS)
        return
    renditions.render_photo(
        photo_id=photo_id, last_attempt=message.attempts >= settings.PHOTO_RENDITION_ATTEMPTS
    )


@outbox.handler(DELETE_FILES_KIND, queue="slow", atomic=False, retry_on=(OSError,))
def delete_files(message: OutboxMessage) -> None:
    renditions.delete_files([str(name) for name in message.payload["names"]])
