"""Review (session 23): the hourly sweep of uploads no pending photo waits on asked the database
about each stored upload on its own (one query a file: thousands of round trips for a bucket
with thousands of leftovers). It now asks once for each batch of names, and keeps what it did:
a pending photo's upload stays however old, a fresh one stays, the rest go. Each test failed on
the code it was written against."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.photos import renditions, services
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.hosting.tests.fixtures import stored_files

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=1)


def _listings(count: int) -> list[Listing]:
    host = HostProfileFactory.create()
    return [ListingFactory.create(host=host, status=Listing.Status.DRAFT) for _ in range(count)]


def _upload(listing: Listing, name: str, *, legacy: bool = False) -> str:
    """An upload as add_photo stores it (or as it was stored in the media storage before
    session 22, `legacy`)."""
    storage = default_storage if legacy else services.uploads_storage()
    return storage.save(f"uploads/listings/{listing.pk}/{name}", ContentFile(b"as sent"))


def _pending(listing: Listing, name: str, position: int) -> ListingPhoto:
    return ListingPhoto.objects.create(
        listing=listing, image=name, position=position, width=800, height=600
    )


def _leftovers(listings: list[Listing], per_listing: int) -> tuple[list[str], list[str]]:
    """`per_listing` uploads no photo names in each listing's folder of the uploads' storage,
    and one a pending photo waits on; the names of both kinds."""
    left, waiting = [], []
    for listing in listings:
        left += [_upload(listing, f"left-{n}.png") for n in range(per_listing)]
        waiting.append(str(_pending(listing, _upload(listing, "waiting.png"), 0).image.name))
    return left, waiting


@pytest.mark.parametrize("per_listing", [2, 6])
def test_the_sweep_asks_the_database_once_however_many_uploads_are_left(
    media: Path, django_assert_num_queries, per_listing: int
):
    left, waiting = _leftovers(_listings(3), per_listing)
    later = timezone.now() + renditions.UPLOAD_GRACE + LATER

    with django_assert_num_queries(1):
        removed = renditions.sweep_uploads(now=later)

    assert removed == len(left) == 3 * per_listing
    assert stored_files(media) == sorted(waiting)


def test_the_sweep_asks_once_a_batch_and_misses_none_at_a_batch_boundary(
    media: Path, django_assert_num_queries, monkeypatch
):
    """Seven files in batches of three: three questions, the last batch one file."""
    monkeypatch.setattr(renditions, "SWEEP_BATCH", 3)
    [listing] = _listings(1)
    left = [_upload(listing, f"left-{n}.png") for n in range(5)]
    waiting = [
        str(_pending(listing, _upload(listing, f"waiting-{n}.png"), n).image.name) for n in (0, 1)
    ]
    later = timezone.now() + renditions.UPLOAD_GRACE + LATER

    with django_assert_num_queries(3):
        assert renditions.sweep_uploads(now=later) == len(left)

    assert stored_files(media) == sorted(waiting)


def test_the_sweep_leaves_fresh_uploads_and_pending_ones_and_reaches_the_old_media_folder(
    media: Path, django_assert_num_queries
):
    """The behaviour the batches keep: an upload younger than UPLOAD_GRACE stays (a request
    may still commit its photo); one a pending photo names stays however old; one a ready or
    failed photo still names goes (its task or failure removes it anyway); and so do those
    left in the media storage's uploads/ before session 22, asked about in one more query."""
    [first, second] = _listings(2)
    waiting = _pending(first, _upload(first, "waiting.png"), 0)
    ready = _pending(first, _upload(first, "ready.png"), 1)
    ListingPhoto.objects.filter(pk=ready.pk).update(status=ListingPhoto.Status.READY)
    failed = _pending(second, _upload(second, "failed.png", legacy=True), 0)
    ListingPhoto.objects.filter(pk=failed.pk).update(status=ListingPhoto.Status.FAILED)
    orphan = _upload(second, "orphan.png", legacy=True)

    assert renditions.sweep_uploads(now=timezone.now()) == 0  # every one is too fresh
    assert len(stored_files(media)) == 4

    with django_assert_num_queries(2):  # the uploads' storage, then the media's
        removed = renditions.sweep_uploads(now=timezone.now() + renditions.UPLOAD_GRACE + LATER)

    assert removed == 3
    assert stored_files(media) == [str(waiting.image.name)]
    assert orphan not in stored_files(media)
