"""Review of the offering area (hosts): photo re-encoding that damages a valid upload."""

import io

from PIL import Image

from outings.catalog.photos.images import clean_upload


def test_a_16_bit_greyscale_png_keeps_its_tones_when_re_encoded():
    """A 16-bit greyscale PNG (mode I;16, as exported by scanners and photo editors) is a valid
    upload. _encode (outings/catalog/photos/images.py) turns it into RGB with a plain
    image.convert("RGB"), which clips 16-bit values at 255 instead of scaling them: every
    pixel above 255/65535 becomes white, so a mid-grey photo is stored (and rendered) as a
    blank white image, with no error for the host."""
    mid_grey = Image.new("I;16", (400, 300), 32768)
    out = io.BytesIO()
    mid_grey.save(out, format="PNG")
    content = out.getvalue()

    clean = clean_upload(io.BytesIO(content), size=len(content))

    pixel = Image.open(io.BytesIO(clean.content)).convert("RGB").getpixel((0, 0))
    assert isinstance(pixel, tuple)  # an RGB pixel (and for mypy: getpixel may give a float)
    red, green, blue = pixel
    assert 120 <= red <= 136
    assert red == green == blue
