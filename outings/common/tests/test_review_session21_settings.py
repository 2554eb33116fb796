"""Review (the newcomer's path), session 21: README, "a value it cannot use stops the start with
an ImproperlyConfigured naming the variable". The media storage's addresses were read as any
text, and a mistyped one served pages whose every photo failed."""

import pytest

from outings.common.tests.test_operations import _env, _settings
from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start

BUCKET = {"AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret"}


@pytest.mark.parametrize("value", ["minio.internal:9000", "ftp://minio.internal", "https://"])
def test_a_media_storage_url_that_is_no_web_address_stops_the_start_naming_it(value):
    """docs/hosting.md: MEDIA_STORAGE_URL is "an S3-compatible endpoint such as MinIO".
    Without a scheme or a host, botocore refuses it ("Invalid endpoint") the first time a
    photo's address is asked, so every page showing a photo answered 500 while the start,
    and /health, said all was well."""
    result = _start(**SERVICES, **BUCKET, MEDIA_STORAGE_URL=value)

    assert _refusal(result) == (
        "MEDIA_STORAGE_URL must be an http:// or https:// address such as "
        f"https://minio.internal:9000, not {value!r}"
    )


def test_a_cdn_domain_given_with_its_scheme_stops_the_start_naming_it():
    """AWS_S3_CUSTOM_DOMAIN is a host name: django-storages puts https:// before it, so
    https://cdn.example.org made every photo's address https://https://cdn.example.org/...,
    silently broken."""
    result = _start(
        **SERVICES,
        **BUCKET,
        AWS_STORAGE_BUCKET_NAME="outings-media",
        AWS_S3_CUSTOM_DOMAIN="https://cdn.example.org",
    )

    assert _refusal(result) == (
        "AWS_S3_CUSTOM_DOMAIN must be a host name such as cdn.example.org, without "
        "https://, not 'https://cdn.example.org'"
    )


@pytest.mark.parametrize(
    ("environment", "address"),
    [
        (
            {"MEDIA_STORAGE_URL": "https://minio.internal:9000"},
            "https://minio.internal:9000/outings-media/photos/1/card.webp",
        ),
        (
            {"AWS_STORAGE_BUCKET_NAME": "media", "AWS_S3_CUSTOM_DOMAIN": "cdn.example.org"},
            "https://cdn.example.org/photos/1/card.webp",
        ),
    ],
)
def test_media_storage_addresses_written_right_are_served(environment, address):
    """The other side: an endpoint with its scheme, and a CDN's bare host, start and give
    photos their addresses."""
    storage = "__import__('django.core.files.storage').core.files.storage.default_storage"

    assert (
        _settings(_env(**SERVICES, **BUCKET, **environment), f"{storage}.url('photos/1/card.webp')")
        == address
    )
