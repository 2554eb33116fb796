"""Review (session 20): a photo whose renditions kill the worker every time (a decoder that
runs out of memory and is killed by the kernel, a hard time limit) ends as failed, which the
host's dashboard reports, instead of "Being processed" for ever."""

import pytest
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from outings.catalog.models import ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.catalog.tests.test_photos import upload
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.common.outbox.testing import deliver
from outings.hosting.tests.fixtures import png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]
Status = OutboxMessage.Status


def _claimed_by_a_worker_that_died(message: OutboxMessage) -> None:
    """What a claim leaves when its worker is killed: the row running with one more attempt,
    committed, and no session holding its advisory lock; then the sweep's recovery, as beat
    runs it."""
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.RUNNING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    assert relay.recover_abandoned(now=timezone.now()) == 1


def test_a_photo_whose_every_attempt_killed_its_worker_is_reported_failed(media):
    """The renditions handler reports a failure itself on its last attempt (PHOTO_RENDITION_
    ATTEMPTS), and the outbox allows it one attempt more for that (handlers.py), "so that the
    outbox never has to park a rendition". But an attempt that kills its worker reports
    nothing: after the last one died the extra attempt rendered again, and when that one died
    too the outbox parked the message and the photo stayed "Being processed" for ever, on the
    host's dashboard and for their listing. The extra attempt now only reports: the photo is
    failed, with the reason, and nothing is rendered again."""
    listing = ListingFactory.create(host=HostProfileFactory.create())
    photo = upload(listing, png())
    message = OutboxMessage.objects.get(kind="catalog.photo.renditions")

    for _ in range(settings.PHOTO_RENDITION_ATTEMPTS):
        _claimed_by_a_worker_that_died(message)
    deliver("slow")

    photo.refresh_from_db()
    message.refresh_from_db()
    assert (photo.status, photo.renditions) == (ListingPhoto.Status.FAILED, {})
    assert photo.error == (
        f"each of {settings.PHOTO_RENDITION_ATTEMPTS} attempts stopped its worker "
        "(out of memory or out of time)"
    )
    assert (message.status, message.attempts) == (
        Status.DONE,
        settings.PHOTO_RENDITION_ATTEMPTS + 1,
    )
