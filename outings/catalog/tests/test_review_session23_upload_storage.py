"""Review (session 23): a photo's upload waits in Django's own STORAGES["uploads"], built and
kept by `django.core.files.storage.storages` (which override_settings resets), where
services.uploads_storage() kept a cache of its own of storages built from a setting of its own,
UPLOADS_STORAGE. What must hold whatever builds it: the uploads land where /media/ does not
serve them, and with a bucket they are private objects read by signed requests. Each test
failed on the code it was written against."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.test import override_settings

from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.photos import services
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.tests.test_operations import _env, _settings
from outings.common.tests.test_review_session13_ops import SERVICES
from outings.common.tests.test_review_session21_settings import BUCKET
from outings.hosting.tests.fixtures import files_in, png

FILES = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"


@pytest.fixture
def listing(db) -> Listing:
    return ListingFactory.create(host=HostProfileFactory.create(), status=Listing.Status.DRAFT)


def _folders(settings, tmp_path: Path) -> tuple[Path, Path]:
    media, waiting = tmp_path / "media", tmp_path / "waiting"
    settings.MEDIA_ROOT = str(media)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": FILES},
        "uploads": {"BACKEND": FILES, "OPTIONS": {"location": str(waiting)}},
    }
    return media, waiting


@pytest.mark.usefixtures("nudges")
def test_a_posted_photo_waits_in_the_storage_STORAGES_names_uploads(
    client, settings, tmp_path, listing
):
    media, waiting = _folders(settings, tmp_path)
    client.force_login(listing.host.user)
    file = io.BytesIO(png())
    file.name = "harbour.png"

    response = client.post(f"/host/listings/{listing.pk}/photos/", {"photos": [file]})

    assert response.status_code == 302
    photo = ListingPhoto.objects.get(listing=listing)
    assert files_in(waiting) == [str(photo.image.name)]
    assert files_in(media) == []
    assert client.get(f"{settings.MEDIA_URL}{photo.image.name}").status_code == 404


def test_the_uploads_storage_is_djangos_and_follows_a_changed_setting(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    stored = settings.STORAGES

    with override_settings(
        STORAGES={**stored, "uploads": {"BACKEND": FILES, "OPTIONS": {"location": str(first)}}}
    ):
        assert services.uploads_storage() is storages["uploads"]
        assert services.uploads_storage().path("a.jpg") == str(first / "a.jpg")
    with override_settings(
        STORAGES={**stored, "uploads": {"BACKEND": FILES, "OPTIONS": {"location": str(second)}}}
    ):
        assert services.uploads_storage().path("a.jpg") == str(second / "a.jpg")


def test_the_local_uploads_folder_is_uploads_root_outside_the_media_folder(tmp_path):
    """Without a bucket: a FileSystemStorage in UPLOADS_ROOT with an address nothing serves; a
    file saved through it lands there, and nothing under MEDIA_ROOT."""
    media, waiting = tmp_path / "media", tmp_path / "waiting"
    expression = (
        "(lambda s: [settings.STORAGES['uploads'], s.path(s.save('uploads/listings/1/a.jpg',"
        " __import__('django.core.files.base', fromlist=['_']).ContentFile(b'x')))])"
        "(__import__('django.core.files.storage', fromlist=['_']).storages['uploads'])"
    )

    config, path = _settings(
        _env(**SERVICES, MEDIA_ROOT=str(media), UPLOADS_ROOT=str(waiting)), expression
    )

    assert config == {
        "BACKEND": FILES,
        "OPTIONS": {"location": str(waiting), "base_url": "/uploads-are-never-served/"},
    }
    assert path == str(waiting / "uploads/listings/1/a.jpg")
    assert files_in(waiting) == ["uploads/listings/1/a.jpg"]
    assert not media.exists()


MEDIA_OPTIONS = {
    "endpoint_url": None,
    "region_name": None,
    "file_overwrite": True,
}
UPLOAD_OPTIONS = {
    **MEDIA_OPTIONS,
    "custom_domain": None,
    "querystring_auth": True,
    "default_acl": "private",
    "object_parameters": {"CacheControl": "private, no-store"},
}


@pytest.mark.parametrize(
    ("environment", "bucket"),
    [
        ({"AWS_STORAGE_BUCKET_NAME": "media", "AWS_UPLOADS_BUCKET_NAME": "uploads"}, "uploads"),
        ({"AWS_STORAGE_BUCKET_NAME": "media"}, "media"),
        # A public-read media bucket behind a CDN, with plain addresses: none of that is the
        # uploads'.
        (
            {
                "AWS_STORAGE_BUCKET_NAME": "media",
                "AWS_UPLOADS_BUCKET_NAME": "uploads",
                "AWS_S3_CUSTOM_DOMAIN": "cdn.example.org",
                "AWS_QUERYSTRING_AUTH": "false",
            },
            "uploads",
        ),
    ],
    ids=["own bucket", "media bucket", "media behind a CDN"],
)
def test_with_a_bucket_the_uploads_storage_is_private_signed_and_never_cached(environment, bucket):
    """The settings' STORAGES["uploads"] and the storage Django builds from it (no request to
    any bucket: botocore signs an address on its own)."""
    expression = (
        "(lambda s: [settings.STORAGES['uploads'], s.bucket_name, s.default_acl,"
        " s.querystring_auth, s.custom_domain, s.object_parameters,"
        " s.url('uploads/listings/1/a.jpg')])"
        "(__import__('django.core.files.storage', fromlist=['_']).storages['uploads'])"
    )

    config, name, acl, signed, domain, parameters, address = _settings(
        _env(**SERVICES, **BUCKET, **environment), expression
    )

    assert config["BACKEND"] == S3
    assert {key: config["OPTIONS"][key] for key in UPLOAD_OPTIONS} == UPLOAD_OPTIONS
    assert config["OPTIONS"]["bucket_name"] == bucket
    assert (name, acl, signed, domain) == (bucket, "private", True, None)
    assert parameters == {"CacheControl": "private, no-store"}
    assert "Signature=" in address or "X-Amz-Signature=" in address
    assert "cdn.example.org" not in address
