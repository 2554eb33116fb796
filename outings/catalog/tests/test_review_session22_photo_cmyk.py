"""Session 22: a CMYK JPEG (from a print shop, a magazine, Photoshop's "CMYK" export) was turned
into RGB by Pillow's naive formula whatever its embedded ICC profile said, so its colours came out
wrong on every page. It is now converted through its own profile (Pillow's ImageCms, littleCMS);
without one, or with one littleCMS cannot use, the naive formula stays (a 400 or a 500 would help
nobody). Each test failed on the code it was written against, but the last two, its controls."""

import io
import itertools
import struct

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageCms

from outings.catalog.models import ListingPhoto
from outings.catalog.photos import services
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.outbox.testing import deliver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

CYAN_INK = (255, 0, 0, 0)
RED = (53.24, 80.09, 67.20)  # sRGB red in CIELAB
# What each corner of the ink cube prints as on this made-up press: cyan ink prints red, magenta
# green, yellow blue; no ink is the paper's white, black ink black; two inks or more grey.
PRINTED = {
    (0, 0, 0): (100.0, 0.0, 0.0),
    (1, 0, 0): RED,
    (0, 1, 0): (87.73, -86.18, 83.18),
    (0, 0, 1): (32.30, 79.19, -107.86),
}


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _lab16(lab: tuple[float, float, float]) -> bytes:
    """CIELAB as ICC v2's 16-bit encoding (L 0-100 over 0-0xFF00, a and b +128, times 256)."""
    lightness, a, b = lab
    return struct.pack(
        ">HHH", round(lightness / 100 * 0xFF00), round((a + 128) * 256), round((b + 128) * 256)
    )


def _padded(tag: bytes) -> bytes:
    return tag + b"\0" * (-len(tag) % 4)


def swapped_inks_profile() -> bytes:
    """A real ICC v2 output profile for CMYK (class prtr, CMYK to Lab through an A2B0 lut16 of
    2 points a side), whose inks print other colours than their names: read through it, cyan
    ink is red; read naively, cyan."""
    clut = b"".join(
        _lab16((0.0, 0.0, 0.0) if k else PRINTED.get((c, m, y), (50.0, 0.0, 0.0)))
        for c, m, y, k in itertools.product((0, 1), repeat=4)
    )
    identity = b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    lut = (
        b"mft2"
        + b"\0" * 4
        + bytes([4, 3, 2, 0])
        + identity
        + struct.pack(">HH", 2, 2)
        + struct.pack(">HH", 0, 0xFFFF) * 4
        + clut
        + struct.pack(">HH", 0, 0xFFFF) * 3
    )
    d50 = _s15(0.9642) + _s15(1.0) + _s15(0.8249)
    text = b"swapped inks\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 8 + b"\0" * 70
    tags = [
        (b"desc", desc),
        (b"wtpt", b"XYZ " + b"\0" * 4 + d50),
        (b"cprt", b"text" + b"\0" * 4 + b"none\0"),
        (b"A2B0", lut),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = struct.pack(">I", len(tags)), b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += _padded(body)
    header = (
        struct.pack(">I", offset + len(data))
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"prtrCMYKLab "
        + b"\0" * 12
        + b"acspAPPL"
        + b"\0" * 24
        + d50
        + b"lcms"
        + b"\0" * 44
    )
    assert len(header) == 128
    return header + table + data


def _cmyk_jpeg(**options: object) -> bytes:
    out = io.BytesIO()
    Image.new("CMYK", (400, 300), CYAN_INK).save(out, format="JPEG", quality=95, **options)
    return out.getvalue()


def _upload_and_render(content: bytes) -> ListingPhoto:
    listing = ListingFactory.create(host=HostProfileFactory.create())
    photo = services.add_photo(
        host=listing.host, listing_id=listing.pk, file=io.BytesIO(content), size=len(content)
    )
    deliver("slow")
    photo.refresh_from_db()
    assert photo.status == "ready"
    return photo


def _colour_of(name: str) -> object:
    with default_storage.open(name) as file, Image.open(file) as image:
        assert image.mode == "RGB"
        return image.getpixel((image.width // 2, image.height // 2))


def _near(colour: object, expected: tuple[int, ...]) -> bool:
    assert isinstance(colour, tuple)
    return all(abs(a - b) <= 12 for a, b in zip(colour, expected, strict=True))


def test_the_profile_swaps_what_littlecms_reads_as_this_test_expects():
    """The control of the profile itself: littleCMS reads cyan ink through it as red."""
    profile = ImageCms.ImageCmsProfile(io.BytesIO(swapped_inks_profile()))
    pixel = Image.new("CMYK", (1, 1), CYAN_INK)

    converted = ImageCms.profileToProfile(
        pixel, profile, ImageCms.createProfile("sRGB"), outputMode="RGB"
    )

    assert converted is not None
    assert _near(converted.getpixel((0, 0)), (250, 0, 7))
    assert _near(pixel.convert("RGB").getpixel((0, 0)), (0, 255, 255))


def test_a_cmyk_jpeg_is_converted_through_its_own_profile(media):
    photo = _upload_and_render(_cmyk_jpeg(icc_profile=swapped_inks_profile()))

    assert _near(_colour_of(str(photo.image.name)), (250, 0, 7))
    for rendition in photo.renditions.values():
        assert _near(_colour_of(rendition["jpeg"]), (250, 0, 7))
        assert _near(_colour_of(rendition["webp"]), (250, 0, 7))
    with default_storage.open(str(photo.image.name)) as file, Image.open(file) as image:
        assert "icc_profile" not in image.info  # sRGB now, what a browser assumes


def test_a_cmyk_jpeg_without_a_profile_is_converted_as_before(media):
    photo = _upload_and_render(_cmyk_jpeg())

    assert _near(_colour_of(str(photo.image.name)), (0, 255, 255))


def test_a_cmyk_profile_littlecms_cannot_use_is_converted_as_before(media):
    """A profile that says CMYK but holds no CMYK tables (an sRGB one relabelled): the photo is
    kept, converted by the naive formula, rather than refused."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[16:20] = b"CMYK"
    profile[84:100] = b"\0" * 16

    photo = _upload_and_render(_cmyk_jpeg(icc_profile=bytes(profile)))

    assert _near(_colour_of(str(photo.image.name)), (0, 255, 255))
