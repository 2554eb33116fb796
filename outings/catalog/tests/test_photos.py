import io
import time

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from outings.catalog.models import ListingPhoto
from outings.catalog.photos import photos_for_listing, services
from outings.catalog.photos import renditions as renditions_module
from outings.catalog.photos.images import ImageRejected
from outings.catalog.photos.services import InvalidPhoto, TooManyPhotos
from outings.catalog.services import HostSuspended, InvalidTransition
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.errors import NotFound
from outings.common.models import OutboxMessage
from outings.common.outbox.testing import deliver
from outings.hosting.tests.fixtures import (
    PDF,
    jpeg_rotated,
    png,
    png_bomb,
    stored_files,
    truncated_png,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


@pytest.fixture
def listing():
    return ListingFactory.create(host=HostProfileFactory.create())


def upload(listing, content: bytes, alt_text: str = "", host=None):
    return services.add_photo(
        host=host or listing.host,
        listing_id=listing.pk,
        file=io.BytesIO(content),
        size=len(content),
        alt_text=alt_text,
    )


def test_an_upload_is_stored_clean_and_waits_for_its_renditions(
    listing, media, nudges, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        photo = upload(listing, png(), alt_text="The harbour at dawn")

    assert (photo.status, photo.width, photo.height, photo.position) == ("pending", 800, 600, 0)
    assert OutboxMessage.objects.filter(kind="catalog.photo.renditions").count() == 1
    assert nudges == ["slow"]
    assert photos_for_listing(listing)[0].card is None  # a placeholder until they exist


def test_the_task_makes_every_rendition_in_webp_and_jpeg(listing, media):
    photo = upload(listing, png(1200, 900))

    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == "ready"
    assert set(photo.renditions) == {"thumb", "card", "full"}
    sizes = {name: (r["width"], r["height"]) for name, r in photo.renditions.items()}
    assert sizes == {"thumb": (320, 320), "card": (800, 600), "full": (1200, 900)}
    for rendition in photo.renditions.values():
        with default_storage.open(rendition["webp"]) as f:
            assert Image.open(f).format == "WEBP"
        with default_storage.open(rendition["jpeg"]) as f:
            assert Image.open(f).format == "JPEG"
    view = photos_for_listing(listing)[0]
    assert view.ready
    assert view.card is not None
    assert view.card.webp.startswith("/media/listings/")


def test_running_the_task_twice_changes_nothing(listing, media):
    photo = upload(listing, png())
    deliver("slow")
    before = stored_files(media)

    renditions_module.render_photo(photo_id=photo.pk, last_attempt=False)

    assert stored_files(media) == before


def test_exif_is_stripped_and_the_orientation_applied(listing, media):
    photo = upload(listing, jpeg_rotated(400, 300))
    assert (photo.width, photo.height) == (300, 400)  # from the header, in the request

    deliver("slow")  # which cleans the upload

    photo.refresh_from_db()
    with default_storage.open(photo.image.name) as f:
        stored = Image.open(f)
        assert stored.size == (300, 400)  # turned upright
        assert dict(stored.getexif()) == {}


@pytest.mark.parametrize(
    ("content", "status"),
    [
        (PDF, 415),
        (png_bomb(30_000), 400),
        (truncated_png(), 400),
        (png(100, 100), 400),
        (b"", 415),
    ],
    ids=["pdf-named-jpg", "30000x30000-png", "truncated", "too-small", "empty"],
)
def test_bad_files_are_refused_quickly_and_nothing_is_stored(listing, media, content, status):
    started = time.monotonic()

    with pytest.raises(ImageRejected) as caught:
        upload(listing, content)

    assert time.monotonic() - started < 1.0
    assert caught.value.status_code == status
    assert not ListingPhoto.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(listing, media, settings):
    settings.PHOTO_MAX_BYTES = 1000

    with pytest.raises(ImageRejected) as caught:
        services.add_photo(
            host=listing.host, listing_id=listing.pk, file=io.BytesIO(b""), size=1001
        )

    assert caught.value.status_code == 413
    assert stored_files(media) == []


def test_a_listing_takes_at_most_the_configured_number_of_photos(listing, media, settings):
    settings.PHOTO_MAX_PER_LISTING = 2
    upload(listing, png())
    upload(listing, png())

    with pytest.raises(TooManyPhotos):
        upload(listing, png())

    assert ListingPhoto.objects.count() == 2
    # Stored as sent until the renditions' task cleans them (uploads/listings/<id>/<name>).
    assert len([name for name in stored_files(media) if name.count("/") == 3]) == 2


def test_another_hosts_listing_is_not_found_and_nothing_is_stored(listing, media):
    stranger = HostProfileFactory.create()

    with pytest.raises(NotFound):
        upload(listing, png(), host=stranger)

    assert stored_files(media) == []


def test_photos_can_be_reordered_described_and_deleted(listing, media):
    first, second, third = (upload(listing, png()) for _ in range(3))
    deliver("slow")

    services.reorder_photos(
        host=listing.host, listing_id=listing.pk, photo_ids=[third.pk, first.pk, second.pk]
    )
    services.update_photo(
        host=listing.host, listing_id=listing.pk, photo_id=first.pk, alt_text="A boat"
    )
    services.delete_photo(host=listing.host, listing_id=listing.pk, photo_id=third.pk)
    deliver("slow")

    views = photos_for_listing(listing)
    assert [(v.id, v.position, v.alt_text) for v in views] == [
        (first.pk, 0, "A boat"),
        (second.pk, 1, ""),
    ]
    assert not [name for name in stored_files(media) if third.image.name.split(".")[0] in name]


def test_a_reorder_must_name_each_photo_once(listing, media):
    first = upload(listing, png())
    upload(listing, png())

    with pytest.raises(InvalidPhoto):
        services.reorder_photos(host=listing.host, listing_id=listing.pk, photo_ids=[first.pk])


def test_a_failing_rendition_is_retried_then_reported(listing, media, monkeypatch, settings):
    settings.PHOTO_RENDITION_ATTEMPTS = 2
    settings.OUTBOX_RETRY_BASE_SECONDS = 0
    settings.OUTBOX_RETRY_MAX_SECONDS = 0

    def broken(file, **options):
        raise OSError("disk full")

    # Renditions are made with the upload's cleaning (clean_and_render, since session 23), or
    # from the clean image when an earlier attempt cleaned it (make_renditions).
    monkeypatch.setattr(renditions_module, "clean_and_render", broken)
    monkeypatch.setattr(renditions_module, "make_renditions", broken)
    photo = upload(listing, png())

    deliver("slow")  # attempt 1 fails and is retried
    photo.refresh_from_db()
    assert photo.status == "pending"
    deliver("slow")  # attempt 2, the last: reported

    photo.refresh_from_db()
    assert photo.status == "failed"
    assert photo.error == "OSError: disk full"
    message = OutboxMessage.objects.get(kind="catalog.photo.renditions")
    assert (message.status, message.attempts) == ("done", 2)


def test_a_suspended_host_cannot_change_their_photos(listing, media):
    photo = upload(listing, png())
    listing.host.suspended_at = timezone.now()
    listing.host.save(update_fields=["suspended_at"])
    host, pk = listing.host, listing.pk

    with pytest.raises(HostSuspended):
        services.update_photo(host=host, listing_id=pk, photo_id=photo.pk, alt_text="New")
    with pytest.raises(HostSuspended):
        services.reorder_photos(host=host, listing_id=pk, photo_ids=[photo.pk])
    with pytest.raises(HostSuspended):
        services.delete_photo(host=host, listing_id=pk, photo_id=photo.pk)

    photo.refresh_from_db()
    assert photo.alt_text == ""


def test_an_archived_listings_photos_change_no_more(listing, media):
    """An archived listing is retired for good: no photo is added, described, moved or removed."""
    photo = upload(listing, png())
    kept = stored_files(media)
    listing.status = listing.Status.ARCHIVED
    listing.save(update_fields=["status"])
    host, pk = listing.host, listing.pk

    with pytest.raises(InvalidTransition):
        upload(listing, png())
    with pytest.raises(InvalidTransition):
        services.update_photo(host=host, listing_id=pk, photo_id=photo.pk, alt_text="New")
    with pytest.raises(InvalidTransition):
        services.reorder_photos(host=host, listing_id=pk, photo_ids=[photo.pk])
    with pytest.raises(InvalidTransition):
        services.delete_photo(host=host, listing_id=pk, photo_id=photo.pk)

    assert [(p.pk, p.alt_text) for p in ListingPhoto.objects.all()] == [(photo.pk, "")]
    assert stored_files(media) == kept
