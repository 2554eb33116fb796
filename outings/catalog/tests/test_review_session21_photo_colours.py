"""Session 21: a photo's colours. The clean upload kept its colour profile, but the renditions
(what every page shows) were written without it, so a phone's wide-gamut photo (an iPhone's
Display P3) was read as sRGB on every page, its colours dull; a profile of another colour space
than the pixels written (a CMYK JPEG's, converted to RGB) was kept with them; and a palette
PNG's transparent parts were written opaque, in the palette's colour."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageCms

from outings.catalog.models import ListingPhoto
from outings.catalog.photos import services
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.outbox.testing import deliver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


def _profile(space: bytes = b"RGB ") -> bytes:
    """An ICC profile (littleCMS's sRGB, its description renamed) declaring `space` as the colour
    space of the pixels it describes (header bytes 16-19)."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[16:20] = space
    profile[84:100] = b"\0" * 16  # no profile id: it no longer matches the bytes
    return bytes(profile)


def _with_profile(mode: str, image_format: str, profile: bytes) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (400, 300), "teal" if mode != "CMYK" else (200, 40, 0, 10)).save(
        out, format=image_format, icc_profile=profile
    )
    return out.getvalue()


def _upload(content: bytes) -> ListingPhoto:
    listing = ListingFactory.create(host=HostProfileFactory.create())
    return services.add_photo(
        host=listing.host, listing_id=listing.pk, file=io.BytesIO(content), size=len(content)
    )


def _profile_of(name: str) -> bytes | None:
    with default_storage.open(name) as file, Image.open(file) as image:
        return image.info.get("icc_profile")


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_every_rendition_keeps_the_photos_colour_profile(media, image_format):
    profile = _profile()
    photo = _upload(_with_profile("RGB", image_format, profile))

    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == "ready"
    assert _profile_of(str(photo.image.name)) == profile
    for rendition in photo.renditions.values():
        assert _profile_of(rendition["webp"]) == profile
        assert _profile_of(rendition["jpeg"]) == profile


def test_a_profile_for_other_colours_than_those_written_is_left_out(media):
    """A CMYK JPEG is written as RGB: its CMYK profile would tell a browser to read the RGB
    numbers as ink."""
    photo = _upload(_with_profile("CMYK", "JPEG", _profile(b"CMYK")))

    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == "ready"
    with default_storage.open(str(photo.image.name)) as file, Image.open(file) as image:
        assert image.mode == "RGB"
        assert "icc_profile" not in image.info
    for rendition in photo.renditions.values():
        assert _profile_of(rendition["jpeg"]) is None


def test_a_grey_photos_profile_leaves_with_its_grey_pixels(media):
    """A grey PNG is written as RGB, as every photo (its grey profile would not fit)."""
    photo = _upload(_with_profile("L", "PNG", _profile(b"GRAY")))

    deliver("slow")

    photo.refresh_from_db()
    with default_storage.open(str(photo.image.name)) as file, Image.open(file) as image:
        assert (image.mode, image.info.get("icc_profile")) == ("RGB", None)
    for rendition in photo.renditions.values():
        assert _profile_of(rendition["jpeg"]) is None
        assert _profile_of(rendition["webp"]) is None


def _palette_png_with_a_transparent_half() -> bytes:
    """A palette PNG (a logo, a GIF saved as PNG): index 0 black and transparent (tRNS) on the
    left half, index 1 teal on the right."""
    image = Image.new("P", (400, 300), 1)
    image.putpalette([0, 0, 0, 0, 128, 128] + [0, 0, 0] * 254)
    image.paste(0, (0, 0, 200, 300))
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)
    return out.getvalue()


def test_a_palette_pngs_transparency_stays_transparent(media):
    """Its transparency is in the palette's tRNS chunk, which Pillow keeps in `info`: cleared
    before the image was converted, the transparent half was written opaque black."""
    photo = _upload(_palette_png_with_a_transparent_half())

    deliver("slow")

    photo.refresh_from_db()
    with default_storage.open(str(photo.image.name)) as file, Image.open(file) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((10, 10)) == (0, 0, 0, 0)
        assert image.getpixel((390, 10)) == (0, 128, 128, 255)
    with default_storage.open(photo.renditions["full"]["jpeg"]) as file, Image.open(file) as jpeg:
        assert jpeg.getpixel((10, 10)) == (255, 255, 255)  # on white, as every transparent photo
