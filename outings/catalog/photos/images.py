"""Pure image work with Pillow: check an upload, re-encode it clean, make renditions.

An upload is checked in this order, each step refusing before the next costs anything:
1. its size in bytes (from the upload, before Pillow sees it);
2. its type, by content: Pillow's JPEG, PNG and WebP parsers only (`formats=`), so a PDF named
   .jpg is refused whatever its name or declared type;
3. its pixel count, from the header: `Image.open` reads only the header, so a 30,000 by 30,000
   "decompression bomb" is refused without a byte of it decoded;
4. complete, read but not decoded: a file cut short, or EXIF too damaged to apply, fails here.
These are `check_upload`, what a request spends on a listing's photo (milliseconds);
5. decoding, in `clean_upload` (`clean_and_render` for a listing's photo: the renditions from
   the same decode), the renditions' task's (seconds for a large photo): pixels that cannot be
   decoded fail here.
Then the orientation is applied to the pixels and the image is written anew without EXIF, XMP or
text chunks (only the colour profile is kept, when it describes the colours written). A CMYK
JPEG becomes RGB through its own profile when it has one littleCMS can use (ImageCms, to sRGB,
perceptual intent), else by Pillow's naive formula; its CMYK profile is not kept with the RGB.
Renditions carry the profile too: without it a wide-gamut photo (an iPhone's Display P3) is read
as sRGB, its colours dull. Damaged metadata (EXIF that cannot be re-read to apply the
orientation) refuses the file like damaged pixels: the host gets a 400, never a 500.
16-bit greyscale (mode I;16, from scanners and photo editors) is scaled down to 8 bits, not
clipped.
"""

import io
import logging
import re
import struct
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from outings.common.errors import DomainError

logger = logging.getLogger(__name__)

# Pillow's own bomb guard, as a second line behind our header check: it refuses images over
# twice this number at open, before any decoding.
Image.MAX_IMAGE_PIXELS = settings.PHOTO_MAX_PIXELS

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Pillow's JPEG parser names a JPEG that carries more pictures (a camera's preview or depth map,
# in an MPO extension) "MPO"; browsers show its first picture, and so do we: it is a JPEG.
SAME_FORMAT = {"MPO": "JPEG"}
# What Pillow's parsers raise on a damaged file: besides OSError (truncated data) they let
# ValueError (a short PNG chunk), SyntaxError, struct.error, EOFError, IndexError, KeyError and
# TypeError (EXIF that cannot be re-serialised in exif_transpose) escape from open and load.
DAMAGED = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    EOFError,
    IndexError,
    KeyError,
    struct.error,
)
# Integer modes holding 16-bit samples (PNG's 16-bit greyscale): scaled to 8 bits, not clipped.
WIDE_GREY_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N")
# The colour space an ICC profile declares (its header's bytes 16-19) for the pixels of a mode.
PROFILE_SPACE = {"RGB": b"RGB ", "RGBA": b"RGB ", "L": b"GRAY", "LA": b"GRAY", "CMYK": b"CMYK"}
# What a CMYK photo is converted to: what browsers assume of pixels that carry no profile.
SRGB = ImageCms.createProfile("sRGB")
ORIENTATION = 0x0112  # EXIF's tag
TURNS = (2, 3, 4, 5, 6, 7, 8)  # orientations that exif_transpose applies
SIDEWAYS = (5, 6, 7, 8)  # those that swap width and height
# In a JPEG's entropy-coded data, 0xFF followed by 0x00 (a stuffed byte), a restart marker or
# another 0xFF (fill) is data; followed by anything else, it starts the next marker.
MARKER_IN_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]", re.DOTALL)
# name: (width, height, crop). Cropped renditions fill the box; the full one fits inside it.
RENDITIONS = {
    "thumb": (320, 320, True),
    "card": (800, 600, True),
    "full": (1600, 1600, False),
}


class ImageRejected(DomainError):
    code = "invalid_image"
    status_code = 400
    message = gettext_noop("This file cannot be used as a photo.")


class UnsupportedImage(ImageRejected):
    code = "unsupported_image"
    status_code = 415


class ImageTooLarge(ImageRejected):
    code = "payload_too_large"
    status_code = 413


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    extension: str  # jpg, png or webp
    width: int
    height: int


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check short of decoding it: what its photo will be."""

    extension: str  # jpg, png or webp
    width: int  # as shown: its EXIF orientation applied
    height: int


@dataclass(frozen=True)
class Rendition:
    webp: bytes
    jpeg: bytes
    width: int
    height: int


def check_upload(file: IO[bytes], *, size: int) -> CheckedUpload:
    """Every check of an upload that needs no decoding (steps 1 to 4 above), in milliseconds
    for the largest photo: what a request may spend on it. ImageRejected (a 4xx) for anything
    unusable. The pixels are decoded later, in `clean_upload`, off the request."""
    image, source_format = _open_checked(file, size=size)
    with image:
        width, height = image.size  # from the header
        try:
            sideways = _orientation(image) in SIDEWAYS
            _check_complete(image, file, source_format)
        except DAMAGED as exc:  # cut short, or metadata too damaged to apply
            raise ImageRejected(_("The image is damaged or incomplete.")) from exc
    if sideways:
        width, height = height, width
    return CheckedUpload(extension=FORMATS[source_format], width=width, height=height)


def clean_upload(file: IO[bytes], *, size: int, max_side: int | None = None) -> CleanImage:
    """Check an uploaded file and return it re-encoded without metadata, orientation applied,
    optionally scaled down to fit `max_side`. ImageRejected (a 4xx) for anything unusable.
    Decodes and encodes the whole image: seconds for a large one, so a listing's photos are
    cleaned by their renditions' task (renditions.py, with clean_and_render), never in a
    request."""
    upright, source_format, icc_profile = _upright(file, size=size)
    if max_side is not None:
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _clean(upright, source_format, icc_profile)


def clean_and_render(file: IO[bytes], *, size: int) -> tuple[CleanImage, dict[str, Rendition]]:
    """`clean_upload` and the renditions of the clean image, from one decode: the renditions
    are made from the pixels just cleaned, as `make_renditions` makes them from the clean image
    read back (the same modes and colour profile: see _renditions), not from a second decode of
    it (0.3 to 0.6 s for 24 megapixels, until session 23). From a lossy format they are made
    from the pixels before their re-encoding rather than after it."""
    upright, source_format, icc_profile = _upright(file, size=size)
    return _clean(upright, source_format, icc_profile), _renditions(upright, icc_profile)


def _upright(file: IO[bytes], *, size: int) -> tuple[Image.Image, str, bytes | None]:
    """Every check (steps 1 to 5), then the pixels decoded, turned upright, in 8 bits and not
    CMYK; their format, and the colour profile that describes them (if any)."""
    check_upload(file, size=size)
    image, source_format = _open_checked(file, size=size)
    with image:
        icc_profile = image.info.get("icc_profile")
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
        except DAMAGED as exc:  # truncated or corrupt pixels or metadata
            raise ImageRejected(_("The image is damaged or incomplete.")) from exc
    upright = _eight_bit(upright)
    upright, icc_profile = _cmyk_as_rgb(upright, icc_profile)
    return upright, source_format, icc_profile


def _clean(upright: Image.Image, source_format: str, icc_profile: bytes | None) -> CleanImage:
    return CleanImage(
        content=_encode(upright, source_format, icc_profile),
        extension=FORMATS[source_format],
        width=upright.width,
        height=upright.height,
    )


def _open_checked(file: IO[bytes], *, size: int) -> tuple[Image.Image, str]:
    """Steps 1 to 3: the image opened (its header read, nothing decoded; the caller closes it)
    and its format."""
    if size > settings.PHOTO_MAX_BYTES:
        limit = settings.PHOTO_MAX_BYTES // (1024 * 1024)
        raise ImageTooLarge(_("A photo may be at most %(mb)s MB.") % {"mb": limit})
    try:
        file.seek(0)
        image = Image.open(file, formats=list(FORMATS))
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        if isinstance(exc, Image.DecompressionBombError):
            raise _too_many_pixels() from exc
        raise UnsupportedImage(_("Upload a JPEG, PNG or WebP image.")) from exc
    except DAMAGED as exc:
        raise ImageRejected(_("The image could not be read.")) from exc
    width, height = image.size
    if width * height > settings.PHOTO_MAX_PIXELS:
        image.close()
        raise _too_many_pixels()
    if min(width, height) < settings.PHOTO_MIN_SIDE:
        image.close()
        raise ImageRejected(
            _("A photo must be at least %(px)s pixels on each side.")
            % {"px": settings.PHOTO_MIN_SIDE}
        )
    return image, SAME_FORMAT.get(str(image.format), str(image.format))


def _orientation(image: Image.Image) -> object:
    """The EXIF orientation in the header's metadata (1 without one). Metadata that applying a
    turn would write back (exif_transpose re-serialises it) is written back here too, so that
    EXIF too damaged for that is refused in the request rather than by the task."""
    raw = image.info.get("exif")  # a PNG's eXIf after its pixels is read with them, later
    if not raw:
        return 1
    exif = Image.Exif()
    exif.load(raw)
    orientation = exif.get(ORIENTATION, 1)
    if orientation in TURNS:
        del exif[ORIENTATION]
        exif.tobytes()
    return orientation


def _check_complete(image: Image.Image, file: IO[bytes], source_format: str) -> None:
    """Raise OSError or SyntaxError (DAMAGED) for a file cut short, without decoding it: a
    JPEG's first picture must run to its end marker, a PNG's chunks to IEND with their
    checksums (Pillow's verify). A WebP's container was read whole by Image.open."""
    if source_format == "PNG":
        image.verify()
    elif source_format == "JPEG":
        file.seek(0)
        if not _jpeg_complete(file.read()):
            raise OSError("the JPEG ends before its end marker")


def _jpeg_complete(data: bytes) -> bool:
    """Whether a JPEG's first picture runs to its end marker (EOI): its segments one after
    another, each scan's entropy-coded data up to the next marker (MARKER_IN_SCAN: one search
    in C, milliseconds for 15 MB). What follows EOI is not read: a camera's more pictures
    (MPO), a phone's motion-photo video."""
    position, end = 2, len(data)  # after SOI, which Image.open checked
    while position + 2 <= end:
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # a fill byte before a marker
            position += 1
            continue
        if marker == 0xD9:
            return True
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # no length
            position += 2
            continue
        if position + 4 > end:
            return False
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == 0xDA:  # a scan: its data runs to the next marker
            found = MARKER_IN_SCAN.search(data, position)
            if found is None:
                return False
            position = found.start()
    return False


def _too_many_pixels() -> ImageRejected:
    megapixels = settings.PHOTO_MAX_PIXELS // 1_000_000
    return ImageRejected(_("A photo may have at most %(mp)s megapixels.") % {"mp": megapixels})


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit greyscale as 8-bit ("L"), scaled: a plain convert clips every value above 255."""
    if image.mode not in WIDE_GREY_MODES:
        return image
    return image.convert("I").point(lambda value: value / 256, "L")


def _cmyk_as_rgb(image: Image.Image, icc_profile: bytes | None) -> tuple[Image.Image, bytes | None]:
    """A CMYK image as sRGB pixels, and the profile that goes with them (none: sRGB is what a
    browser assumes). Through the image's own CMYK profile when it has one: the same ink makes
    other colours on other presses and papers, and Pillow's formula (255 minus the ink) knows
    none of them. A profile littleCMS cannot use leaves the formula, as without one."""
    if image.mode != "CMYK":
        return image, icc_profile
    if icc_profile is not None and _fits(icc_profile, "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB")
        # PyCMSError: a profile littleCMS opens but cannot use; OSError: one it cannot open at
        # all (cut short, garbage), which failed the photo's task, and a portrait's request with
        # a 500, until session 22.
        except (ImageCms.PyCMSError, OSError) as exc:
            logger.info("a CMYK photo's profile cannot be used (%s): converted without it", exc)
        else:
            assert converted is not None  # profileToProfile returns None only with inPlace
            return converted, None
    return image.convert("RGB"), None


def _encode(image: Image.Image, image_format: str, icc_profile: bytes | None) -> bytes:
    """Write pixels only: the `info` dict (EXIF, XMP, PNG text, comments) is left behind, once
    the pixels are converted (a palette's transparency is in it: cleared before, until session
    21, a palette PNG's transparent parts were written opaque, in the palette's colour)."""
    options: dict[str, object] = {}
    if image_format == "JPEG":
        image = _without_alpha(image)
        options.update(quality=90, optimize=True)
    elif image_format == "WEBP":
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        options.update(quality=90)
    else:
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        # zlib's default level, not `optimize` (level 9): the clean PNG is kept, never shown
        # (the renditions are), and level 9 cost a 12-megapixel photo of 14 MiB 10.6 s of CPU
        # against 7.3 s, for 4 % less (session 23), inside the relay's 60 s.
        options.update(compress_level=6)
    image.info = {}
    if _fits(icc_profile, image.mode):
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def _fits(icc_profile: bytes | None, mode: str) -> bool:
    """Whether the profile describes pixels of this mode: RGB numbers read through a CMYK or a
    grey profile are other colours, or none a browser can show."""
    return bool(icc_profile) and icc_profile[16:20] == PROFILE_SPACE.get(mode)  # type: ignore[index]


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _without_alpha(image: Image.Image) -> Image.Image:
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def make_renditions(file: IO[bytes]) -> dict[str, Rendition]:
    """Every rendition of a clean image (as `clean_upload` stored it), WebP and JPEG each.
    Never scales up: a small source gives renditions of its own size."""
    with Image.open(file, formats=list(FORMATS)) as source:
        source.load()
        return _renditions(source, source.info.get("icc_profile"))


def _renditions(image: Image.Image, icc_profile: bytes | None) -> dict[str, Rendition]:
    """The renditions of decoded pixels: a clean image's, or an upload's as `_upright` gives
    them, whose modes _encode writes as RGB or RGBA, as converted here, and whose profile it
    keeps only when it is one for RGB, as here."""
    image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    # Nothing of an upload's metadata: Pillow's JPEG encoder writes the comment found in `info`.
    image.info = {}
    # The photo's own profile, when it is one for RGB (a grey one does not fit the RGB written).
    profile = {"icc_profile": icc_profile} if _fits(icc_profile, "RGB") else {}
    result: dict[str, Rendition] = {}
    for name, (box_width, box_height, crop) in RENDITIONS.items():
        if crop:
            factor = min(1.0, image.width / box_width, image.height / box_height)
            size = (max(1, round(box_width * factor)), max(1, round(box_height * factor)))
            resized = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
        else:
            resized = image.copy()
            resized.thumbnail((box_width, box_height), Image.Resampling.LANCZOS)
        webp, jpeg = io.BytesIO(), io.BytesIO()
        resized.save(webp, format="WEBP", quality=80, method=4, **profile)
        _without_alpha(resized).save(
            jpeg, format="JPEG", quality=82, optimize=True, progressive=True, **profile
        )
        result[name] = Rendition(
            webp=webp.getvalue(), jpeg=jpeg.getvalue(), width=resized.width, height=resized.height
        )
    return result
