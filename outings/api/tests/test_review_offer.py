"""Review of the offering area (hosts): host API answers that break the documented contract."""

import io

import pytest
from django.test import Client
from PIL import Image

from outings.api.tests.helpers import error_of
from outings.catalog.models import ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, category
from outings.hosting.tests.fixtures import png, stored_files, use_media

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

BODY = {
    "title": "Harbour walk",
    "category": "tours",
    "summary": "A walk.",
    "description": "We walk.",
    "languages": ["en"],
    "duration_minutes": 90,
    "price_amount": 2500,
    "currency": "EUR",
    "address": "Am Kupfergraben 1",
    "city": "Berlin",
    "country_code": "DE",
    "latitude": 52.52,
    "longitude": 13.395,
}


@pytest.fixture
def media(settings, tmp_path):
    return use_media(settings, tmp_path / "media")


@pytest.fixture
def api(db, token_for):
    category("tours")
    host = HostProfileFactory.create()
    # A 500 must come back as a response here, not be re-raised by the test client.
    return Client(
        raise_request_exception=False,
        headers={"Authorization": f"Bearer {token_for(host.user)}"},
    )


def _listing_id(api):
    response = api.post("/api/v1/host/listings", BODY, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _upload(api, listing_id, content, name):
    file = io.BytesIO(content)
    file.name = name
    return api.post(f"/api/v1/host/listings/{listing_id}/photos", {"file": file})


def jpeg_with_corrupt_exif() -> bytes:
    """A normal 400x300 JPEG whose EXIF block is damaged the way real cameras and editors damage
    it: the GPS sub-IFD claims 101 entries where it has 2. Pillow reads it with a warning, and
    ImageOps.exif_transpose then fails re-serialising it (TypeError inside TiffImagePlugin)."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate to view
    exif[0x010F] = "Cam"  # Make
    exif[0x8825] = {1: "N", 2: (1.0, 2.0, 3.0)}  # GPS IFD
    raw = bytearray(exif.tobytes())
    assert raw[6 + 51] == 0x02  # "Exif\0\0" + TIFF offset 51: the GPS IFD's entry count
    raw[6 + 51] = 0x65
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "orange").save(out, format="JPEG", exif=bytes(raw))
    return out.getvalue()


def png_with_short_ihdr() -> bytes:
    """A PNG whose IHDR chunk says 12 bytes instead of 13 (one flipped byte): Pillow's PNG
    parser raises ValueError("Truncated IHDR chunk") from Image.open."""
    content = bytearray(png())
    assert content[8:16] == b"\x00\x00\x00\x0dIHDR"
    content[11] = 0x0C
    return bytes(content)


@pytest.mark.parametrize(
    ("content", "name"),
    [(jpeg_with_corrupt_exif(), "camera.jpg"), (png_with_short_ihdr(), "broken.png")],
    ids=["jpeg-with-corrupt-exif", "png-with-truncated-ihdr"],
)
def test_a_damaged_photo_upload_is_a_400_not_a_500(api, media, content, name):
    """DESIGN.md invariant 8 and docs/hosting.md ("a truncated or corrupt file is 400
    invalid_image"): clean_upload (outings/catalog/photos/images.py) only catches
    UnidentifiedImageError/DecompressionBombError/OSError around Image.open and
    OSError/SyntaxError/ValueError around load+exif_transpose. A PNG parser ValueError at open,
    or the TypeError/struct.error Pillow raises re-serialising damaged EXIF in exif_transpose,
    escapes as an unhandled exception: the host gets a 500 (the web upload page too, and the
    host profile photo, which use the same function)."""
    listing_id = _listing_id(api)

    response = _upload(api, listing_id, content, name)

    assert response.status_code == 400, (response.status_code, response.content[:200])
    assert error_of(response)["code"] == "invalid_image"
    assert not ListingPhoto.objects.exists()
    assert stored_files(media) == []


def test_an_if_match_listing_the_current_etag_among_others_is_honoured(api):
    """RFC 9110 13.1.1: If-Match is true when *any* listed entity tag matches the current one.
    replace_listing (outings/api/routes/hosting/listings.py:138-141) builds `versions` from the
    *set* if_match_values() returns and uses versions[0], an arbitrary member (string hashing is
    randomised per process): with the current ETag "1" among 140 listed (the header may hold
    1000 characters), the edit is refused with 412 (or, with a stale tag picked, the edit is
    compared against the wrong version) in all but about 1 run in 140."""
    listing_id = _listing_id(api)
    tags = ", ".join(f'"{n}"' for n in range(1, 141))  # "1" is the listing's current ETag

    response = api.put(
        f"/api/v1/host/listings/{listing_id}",
        {**BODY, "title": "Evening harbour walk"},
        content_type="application/json",
        headers={"If-Match": tags},
    )

    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Evening harbour walk"
