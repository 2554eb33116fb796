# mypy: disallow-untyped-calls=False
"""Fixtures and helpers for the tests of issue 4 (hosting, listings, photos, schedules). Each
test package that uses them imports them in its conftest.py."""

import io
import os
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from outings.catalog.models import CATEGORY_NAMES
from outings.catalog.services import ListingData
from outings.catalog.tests.factories import category

PLAIN_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def use_media(settings: Any, folder: Path) -> Path:
    """Media in a fresh folder through FileSystemStorage; static files without a manifest; the
    uploads waiting for their task in a fresh folder beside it (uploads_of)."""
    settings.STORAGES = {
        **PLAIN_STORAGES,
        "uploads": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(uploads_of(folder))},
        },
    }
    settings.MEDIA_ROOT = str(folder)
    return folder


def uploads_of(media: Path) -> Path:
    """Where use_media keeps the uploads waiting for their task: outside the media folder."""
    return media.parent / "uploads"


@pytest.fixture
def categories(db: Any) -> None:
    """The categories the data migration made, again: a transactional test before this one
    may have flushed them."""
    for slug in CATEGORY_NAMES:
        category(slug)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    return use_media(settings, tmp_path / "media")


def stored_files(root: Path) -> list[str]:
    """The storage names of the files under the media folder `root` and of the uploads waiting
    for their task beside it (uploads_of(root), where use_media keeps them since session 22;
    named uploads/… as they were under the media folder before)."""
    return sorted(files_in(root) + files_in(uploads_of(root)))


def files_in(folder: Path) -> list[str]:
    """The files under `folder`, by their paths inside it."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def png(width: int = 800, height: int = 600, color: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def noisy_png(width: int = 600, height: int = 400) -> bytes:
    """A PNG that does not compress away (for cutting it short)."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


def truncated_png() -> bytes:
    content = noisy_png()
    return content[: len(content) // 2]


def jpeg_rotated(width: int = 400, height: int = 300) -> bytes:
    """A JPEG whose EXIF says "rotate 90° clockwise to view" (orientation 6), with a GPS tag."""
    image = Image.new("RGB", (width, height), "orange")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "SpyCam"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(side: int = 30_000) -> bytes:
    """A tiny file whose header claims side by side pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _chunk(b"IEND", b"")
    )


def photo_form(client: Any, listing: Any, photo: Any) -> dict[str, str]:
    """The hidden fields of `photo`'s form as the host's listing page shows them (what a tab
    holds)."""
    page = client.get(f"/host/listings/{listing.pk}/").content.decode()
    form = re.search(rf'<form[^>]*/photos/{photo.pk}/".*?</form>', page, re.S)
    assert form is not None
    return dict(re.findall(r'type="hidden" name="(\w*version)" value="(\d+)"', form.group(0)))


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def listing_data(**overrides: Any) -> ListingData:
    values: dict[str, Any] = {
        "title": "Harbour walk",
        "category": "tours",
        "summary": "A walk along the harbour.",
        "description": "We walk **slowly**.",
        "tags": ["harbour", "history"],
        "languages": ["en", "de"],
        "duration_minutes": 90,
        "price_amount": 2500,
        "currency": "EUR",
        "min_group_size": 1,
        "max_group_size": 8,
        "address": "Am Kupfergraben 1",
        "city": "Berlin",
        "country_code": "DE",
        "latitude": 52.5200,
        "longitude": 13.3950,
        "meeting_point": "By the bridge",
        "cancellation_policy": "moderate",
        "included": "Coffee",
        "requirements": "Good shoes",
    }
    values.update(overrides)
    return ListingData(**values)


@pytest.fixture
def host() -> Any:
    from outings.catalog.tests.factories import HostProfileFactory

    return HostProfileFactory.create()


@pytest.fixture
def host_client(client: Any, host: Any) -> Any:
    """The test client, signed in as `host`."""
    client.force_login(host.user)
    return client


@pytest.fixture
def listing(host: Any) -> Any:
    """A listing of `host` at 25.00 CAD for groups of up to 6."""
    from outings.catalog.tests.factories import ListingFactory

    return ListingFactory.create(host=host, price_amount=2500, currency="CAD", max_group_size=6)


@pytest.fixture
def slot(listing: Any) -> Any:
    """A date of `listing` with 10 seats."""
    from outings.catalog.tests.factories import SlotFactory

    return SlotFactory.create(listing=listing, capacity=10)
