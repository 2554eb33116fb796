"""Session 22, second read of f7dc8d5: a CMYK JPEG whose embedded ICC profile says CMYK in its
header but cannot be opened at all (cut short, as when one of the APP2 segments that carry it is
lost, or garbage). littleCMS refuses it with OSError ("cannot open profile from string"), not
the PyCMSError that a profile it opens but cannot use raises, which alone fell back to the naive
formula. So a listing's photo that was made RGB by the formula before f7dc8d5 failed in its
renditions' task, three attempts over, and a host's portrait, cleaned in the request, was a 500.
Such a profile now leaves the formula too, as f7dc8d5 promised for a profile it cannot use."""

import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

from outings.accounts.models import HostProfile
from outings.catalog.tests.test_review_session22_photo_cmyk import (
    _cmyk_jpeg,
    _colour_of,
    _near,
    _upload_and_render,
)
from outings.hosting.tests.fixtures import host, host_client  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

CYAN = (0, 255, 255)  # cyan ink by the naive formula


def _cmyk_labelled(profile: bytes) -> bytes:
    labelled = bytearray(profile)
    labelled[16:20] = b"CMYK"
    return bytes(labelled)


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
UNREADABLE = {
    "cut short": _cmyk_labelled(SRGB)[:100],
    "garbage": b"\0" * 16 + b"CMYK" + b"\xff" * 200,
}


@pytest.mark.parametrize("profile", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_littlecms_cannot_open_these_profiles(profile: bytes) -> None:
    """The control of the profiles themselves: not the PyCMSError of one it opens."""
    with pytest.raises(OSError, match="cannot open profile"):
        ImageCms.ImageCmsProfile(io.BytesIO(profile))


@pytest.mark.parametrize("profile", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_listing_photo_with_a_profile_that_cannot_be_opened_is_made_rgb_by_the_formula(
    media: Any, profile: bytes
) -> None:
    photo = _upload_and_render(_cmyk_jpeg(icc_profile=profile))

    assert _near(_colour_of(str(photo.image.name)), CYAN)


@pytest.mark.parametrize("profile", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_a_portrait_with_a_profile_that_cannot_be_opened_is_saved(
    media: Any,
    host: HostProfile,  # noqa: F811 - the fixture imported above
    host_client: Any,  # noqa: F811 - the fixture imported above
    profile: bytes,
) -> None:
    page = host_client.get("/host/profile/").content.decode()
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]

    response = host_client.post(
        "/host/profile/",
        {
            "display_name": "Ada",
            "bio": "",
            "city": "",
            "languages": "en",
            "version": version,
            "photo": SimpleUploadedFile(
                "me.jpg", _cmyk_jpeg(icc_profile=profile), content_type="image/jpeg"
            ),
        },
    )

    assert response.status_code == 302
    host.refresh_from_db()
    with default_storage.open(str(host.photo.name)) as file, Image.open(file) as image:
        assert image.mode == "RGB"
        assert _near(image.getpixel((image.width // 2, image.height // 2)), CYAN)
