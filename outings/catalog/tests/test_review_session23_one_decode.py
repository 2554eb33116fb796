"""Review (session 23): the renditions' task decoded each photo twice: its upload, to write it
anew without metadata (images.clean_upload), then the clean image it had just written and read
back from storage, to make the renditions (images.make_renditions): 0.3 to 0.6 s more for a
24-megapixel photo, and the clean image downloaded again from a bucket. It now makes the
renditions from the pixels it has just cleaned (images.clean_and_render). What must not change:
the renditions are those the clean image gives (size, orientation, colour profile,
transparency), and they carry nothing of the upload's metadata. The first test failed on the
code it was written against; the retry and metadata tests pass before and after; the last one
compares the new function with the round trip it replaces."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageChops, ImageFile, ImageStat

from outings.catalog.models import ListingPhoto
from outings.catalog.photos import images, services
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.catalog.tests.test_review_session21_photo_colours import _profile
from outings.catalog.tests.test_review_session22_photo_cmyk import (
    _cmyk_jpeg,
    swapped_inks_profile,
)
from outings.common import outbox
from outings.common.outbox.testing import deliver
from outings.hosting.tests.fixtures import jpeg_rotated

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

SECRET = b"Meet me at the lighthouse"


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    """The formats of the images Pillow decodes meanwhile (ImageFile.load with tiles to read:
    a load of pixels already decoded reads none)."""
    seen: list[str] = []
    load = ImageFile.ImageFile.load

    def counting(image: ImageFile.ImageFile) -> object:
        if image.tile:
            seen.append(str(image.format))
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return seen


def _saved(image: Image.Image, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def _scene(mode: str = "RGB", size: tuple[int, int] = (900, 700)) -> Image.Image:
    """Something with detail in it, so that a rendition made from other pixels shows."""
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge(
        "RGB",
        (
            gradient,
            gradient.rotate(90).resize(size),
            gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        ),
    )
    if mode == "RGBA":
        image.putalpha(Image.radial_gradient("L").resize(size))
    return image.convert(mode) if mode not in ("RGB", "RGBA") else image


def _upload(content: bytes) -> ListingPhoto:
    listing = ListingFactory.create(host=HostProfileFactory.create())
    return services.add_photo(
        host=listing.host, listing_id=listing.pk, file=io.BytesIO(content), size=len(content)
    )


UPLOADS = {
    "jpeg": lambda: _saved(_scene(), "JPEG", quality=92),
    "png": lambda: _saved(_scene("RGBA"), "PNG"),
    "webp": lambda: _saved(_scene(), "WEBP", quality=90),
}


@pytest.mark.parametrize("kind", list(UPLOADS))
def test_the_task_decodes_a_photo_once(media, decodes, kind):
    photo = _upload(UPLOADS[kind]())
    assert decodes == []  # the request decodes nothing (session 22)

    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.READY
    assert len(decodes) == 1, decodes
    assert set(photo.renditions) == {"thumb", "card", "full"}


def test_a_retried_task_whose_upload_was_cleaned_decodes_the_clean_image_once(media, decodes):
    """The control for a photo cleaned by an attempt that failed afterwards: its renditions
    are made from the clean image, read back, as before."""
    photo = _upload(UPLOADS["jpeg"]())
    deliver("slow")
    photo.refresh_from_db()
    ListingPhoto.objects.filter(pk=photo.pk).update(status=ListingPhoto.Status.PENDING)
    decodes.clear()

    outbox.enqueue(kind=services.RENDITIONS_KIND, payload={"photo_id": photo.pk})
    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.READY
    assert decodes == ["JPEG"]


def test_the_renditions_carry_nothing_of_the_uploads_metadata(media):
    """A JPEG's comment is written from the image's own info by Pillow's JPEG encoder, unless
    the save names another: renditions made from the upload's pixels must not take it, nor its
    EXIF (a camera's make, GPS) or XMP. The full rendition is upright."""
    image = Image.open(io.BytesIO(jpeg_rotated(800, 600)))
    exif = image.getexif()
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0)}  # GPS
    content = _saved(
        image, "JPEG", exif=exif.tobytes(), comment=SECRET, xmp=b"<x:xmpmeta>" + SECRET
    )
    photo = _upload(content)

    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == ListingPhoto.Status.READY
    assert (photo.renditions["full"]["width"], photo.renditions["full"]["height"]) == (600, 800)
    names = [str(photo.image.name), *services.rendition_names(photo)]
    for name in names:
        with default_storage.open(name) as file:
            stored = file.read()
        assert SECRET not in stored, name
        assert b"SpyCam" not in stored, name
        with Image.open(io.BytesIO(stored)) as rendition:
            assert "exif" not in rendition.info, name
            assert "comment" not in rendition.info, name


def _difference(a: bytes, b: bytes) -> float:
    """The largest mean difference of a channel between two encoded images, 0 to 255."""
    with Image.open(io.BytesIO(a)) as first, Image.open(io.BytesIO(b)) as second:
        assert (first.mode, first.size) == (second.mode, second.size)
        assert first.info.get("icc_profile") == second.info.get("icc_profile")
        return max(ImageStat.Stat(ImageChops.difference(first, second)).mean)


UPLOADS_OF_EVERY_KIND = {
    "a wide-gamut JPEG": lambda: _saved(_scene(), "JPEG", quality=92, icc_profile=_profile()),
    "a turned JPEG": lambda: jpeg_rotated(800, 600),
    "a CMYK JPEG with its profile": lambda: _cmyk_jpeg(icc_profile=swapped_inks_profile()),
    "a transparent PNG": lambda: _saved(_scene("RGBA"), "PNG"),
    "a palette PNG with a transparent colour": lambda: _saved(
        _scene().quantize(64), "PNG", transparency=0
    ),
    "a 16-bit grey PNG": lambda: _saved(_scene().convert("L").convert("I;16"), "PNG"),
    "a grey PNG with a grey profile": lambda: _saved(
        _scene().convert("L"), "PNG", icc_profile=_profile(b"GRAY")
    ),
    "a WebP": lambda: _saved(_scene(), "WEBP", quality=90, icc_profile=_profile()),
}


@pytest.mark.parametrize("kind", list(UPLOADS_OF_EVERY_KIND))
def test_renditions_in_one_decode_are_those_the_clean_image_gives(kind):
    """The same sizes, modes and colour profiles as make_renditions gives from the clean image
    read back; from a PNG (a lossless clean image) the same pixels, and from a JPEG or WebP
    nearly (made from the pixels before their lossy re-encoding, not after it)."""
    content = UPLOADS_OF_EVERY_KIND[kind]()

    clean, renditions = images.clean_and_render(io.BytesIO(content), size=len(content))

    assert clean == images.clean_upload(io.BytesIO(content), size=len(content))
    read_back = images.make_renditions(io.BytesIO(clean.content))
    assert renditions.keys() == read_back.keys()
    lossless = clean.extension == "png"
    for name, rendition in renditions.items():
        other = read_back[name]
        assert (rendition.width, rendition.height) == (other.width, other.height)
        for ours, theirs in ((rendition.webp, other.webp), (rendition.jpeg, other.jpeg)):
            difference = _difference(ours, theirs)
            assert difference == 0 if lossless else difference < 2, (name, difference)
