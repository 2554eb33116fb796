"""Review (session 22, second round): a photo's upload, kept as sent (its EXIF and GPS with it)
until the renditions' task cleans it, sat in the media storage under uploads/, which the app's
own /media/ serves (and a public-read bucket would), and a task that failed on its last attempt,
or whose every attempt stopped its worker, left it there for good. Each test failed on the code
it was written against."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import F
from django.utils import timezone

from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.photos import renditions, services
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.common.outbox.testing import deliver
from outings.common.tests.test_operations import _env, _settings
from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start
from outings.common.tests.test_review_session21_settings import BUCKET
from outings.hosting.tests.fixtures import files_in, jpeg_rotated, png, stored_files, uploads_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

RUNNING = OutboxMessage.Status.RUNNING


@pytest.fixture
def listing() -> Listing:
    return ListingFactory.create(host=HostProfileFactory.create(), status=Listing.Status.DRAFT)


def _posted(client, listing: Listing, content: bytes, name: str) -> ListingPhoto:
    """The photo as the host's page stores it."""
    client.force_login(listing.host.user)
    file = io.BytesIO(content)
    file.name = name
    response = client.post(f"/host/listings/{listing.pk}/photos/", {"photos": [file]})
    assert response.status_code == 302
    return ListingPhoto.objects.get(listing=listing)


def test_an_upload_waiting_for_its_task_cannot_be_read_over_http(client, media, listing):
    """The upload as sent, a camera's make in its EXIF, was at /media/uploads/listings/<id>/…
    for anyone who had its name, until its task ran. Now it is kept where nothing serves it."""
    content = jpeg_rotated()
    photo = _posted(client, listing, content, "camera.jpg")
    assert photo.status == ListingPhoto.Status.PENDING

    response = client.get(f"{settings.MEDIA_URL}{photo.image.name}")

    assert response.status_code == 404
    assert files_in(media) == []
    [kept] = files_in(uploads_of(media))
    assert (uploads_of(media) / kept).read_bytes() == content


def test_a_cleaned_upload_leaves_the_uploads_folder_empty(client, media, listing):
    """The control: the task reads the upload where it now waits, and removes it."""
    photo = _posted(client, listing, jpeg_rotated(), "camera.jpg")

    deliver("slow")
    deliver("slow")  # the upload's removal, queued by the task

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.READY
    assert files_in(uploads_of(media)) == []
    assert client.get(photo.image.url).status_code == 200


def test_a_photo_whose_last_attempt_failed_keeps_no_upload(client, media, listing):
    """A rendition that fails on its last attempt (here the media folder cannot take the clean
    image: a file is where its folder would go) marks the photo failed: nothing reads its
    upload again, which stayed for good."""
    photo = _posted(client, listing, png(), "harbour.png")
    media.mkdir(parents=True, exist_ok=True)
    (media / "listings").write_bytes(b"not a folder")
    OutboxMessage.objects.filter(kind="catalog.photo.renditions").update(
        attempts=settings.PHOTO_RENDITION_ATTEMPTS - 1
    )

    deliver("slow")
    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.FAILED
    assert stored_files(media) == ["listings"]


def test_a_photo_whose_every_attempt_stopped_its_worker_keeps_no_upload(client, media, listing):
    photo = _posted(client, listing, png(), "harbour.png")
    message = OutboxMessage.objects.get(kind="catalog.photo.renditions")
    for _ in range(settings.PHOTO_RENDITION_ATTEMPTS):  # each claim's worker killed
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=RUNNING, attempts=F("attempts") + 1, claimed_at=timezone.now()
        )
        assert relay.recover_abandoned(now=timezone.now()) == 1

    deliver("slow")
    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.FAILED
    assert stored_files(media) == []


UPLOADS = "__import__('outings.catalog.photos.services', fromlist=['_']).uploads_storage()"


@pytest.mark.parametrize(
    ("environment", "bucket"),
    [
        ({"AWS_STORAGE_BUCKET_NAME": "media", "AWS_UPLOADS_BUCKET_NAME": "uploads"}, "uploads"),
        ({"AWS_STORAGE_BUCKET_NAME": "media"}, "media"),
    ],
)
def test_with_a_bucket_uploads_are_private_objects_read_by_signed_requests(environment, bucket):
    """With S3 media, the uploads went to the media bucket as any photo, public-read where the
    bucket is, at a plain address. Now: their own bucket if one is named, a private ACL, signed
    addresses only (botocore signs here, without asking the bucket)."""
    expression = (
        f"(lambda s: [s.bucket_name, s.default_acl, s.url('uploads/listings/1/a.jpg')])({UPLOADS})"
    )

    name, acl, address = _settings(_env(**SERVICES, **BUCKET, **environment), expression)

    assert (name, acl) == (bucket, "private")
    assert f"/{bucket}/uploads/listings/1/a.jpg?" in address or address.startswith(
        f"https://{bucket}.s3.amazonaws.com/uploads/listings/1/a.jpg?"
    )
    assert "Signature=" in address


def test_an_uploads_folder_inside_the_media_folder_stops_the_start_naming_it(tmp_path):
    media = tmp_path / "media"

    result = _start(**SERVICES, MEDIA_ROOT=str(media), UPLOADS_ROOT=str(media / "uploads"))

    assert _refusal(result) == (
        "UPLOADS_ROOT must be a folder outside MEDIA_ROOT (which /media/ serves), not "
        f"{str(media / 'uploads')!r}"
    )


def test_the_sweep_removes_the_uploads_no_pending_photo_waits_on(client, media, listing):
    """Left for good before: an upload stored by a request that died before its photo
    committed (nothing names it), and one a failed photo kept in the media storage before this
    session. The hourly sweep removes both once they are UPLOAD_GRACE old; a pending photo's
    upload stays, however old (its task removes it)."""
    waiting = _posted(client, listing, png(), "harbour.png")
    orphan = services.uploads_storage().save(
        f"uploads/listings/{listing.pk}/orphan.png", ContentFile(png())
    )
    left = default_storage.save(f"uploads/listings/{listing.pk}/left.png", ContentFile(png()))
    ListingPhoto.objects.create(
        listing=listing, image=left, position=1, width=800, height=600, status="failed"
    )
    later = timezone.now() + renditions.UPLOAD_GRACE + timedelta(minutes=1)

    assert renditions.sweep_uploads(now=timezone.now()) == 0  # too fresh: a request may be on
    assert renditions.sweep_uploads(now=later) == 2

    assert stored_files(media) == [str(waiting.image.name)]
    assert orphan not in stored_files(media)
    assert renditions.sweep_uploads(now=later) == 0
