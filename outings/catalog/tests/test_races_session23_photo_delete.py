"""A host deletes a photo at the instant its renditions' task writes its upload anew.

The task's cleaning moves the photo from its upload to the clean image in one conditional
UPDATE (renditions._clean) and queues the upload's removal. delete_photo read the photo without
locking it, so a delete that read it before that UPDATE committed, and removed it after, queued
the removal of the upload only: the clean image stayed in the media storage for good, named by
nothing. It now reads the photo under its row lock (after the listing's, the app's order): it
waits for the move and removes what the photo names once it committed. The test failed on the
code it was written against."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from outings.catalog.models import ListingPhoto
from outings.catalog.photos import renditions, services
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.outbox.testing import deliver
from outings.common.tests.connections import in_thread, until_waiting_or_done
from outings.hosting.tests.fixtures import png, stored_files

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("nudges")]


def test_a_delete_while_the_task_cleans_the_upload_leaves_no_file(media: Path) -> None:
    listing = ListingFactory.create(host=HostProfileFactory.create())
    content = png()
    photo = services.add_photo(
        host=listing.host, listing_id=listing.pk, file=io.BytesIO(content), size=len(content)
    )
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the task's move, committed once the delete is on its way
        cleaned = renditions._clean(ListingPhoto.objects.get(pk=photo.pk))
        assert cleaned is not None
        delete = in_thread(
            outcome,
            "delete",
            lambda: services.delete_photo(
                host=listing.host, listing_id=listing.pk, photo_id=photo.pk
            ),
        )
        until_waiting_or_done(delete)
    delete.join(timeout=10)

    assert outcome["delete"] is None, outcome["delete"]
    assert not ListingPhoto.objects.filter(pk=photo.pk).exists()
    deliver("slow")  # the removals: the upload's (the task's), the photo's (the delete's)
    assert stored_files(media) == []
