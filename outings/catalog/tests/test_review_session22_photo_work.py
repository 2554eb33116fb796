"""Session 22: a photo's decoding and re-encoding left the request. add_photo decoded and
re-encoded every upload (clean_upload) in the request that sent it: a 64 MB post of the site's
photo form (six 24-megapixel camera JPEGs and a PNG) took 12 to 17 s of a gunicorn worker,
whose timeout is 30 s, and one 126 KiB PNG of 40 megapixels (one colour) 4 to 6 s alone. The
request now checks what needs no decoding (images.check_upload: size, type, pixel count, the
file complete to its end, the EXIF orientation) and stores the upload as sent; the renditions'
task decodes it, writes it anew without metadata and removes the upload. Each test failed on
the code it was written against."""

import io
import time
import zlib

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.photos import services
from outings.catalog.photos.images import ImageRejected
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.outbox.testing import deliver
from outings.hosting.tests.fixtures import jpeg_rotated, png, stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


@pytest.fixture
def listing() -> Listing:
    return ListingFactory.create(host=HostProfileFactory.create(), status=Listing.Status.DRAFT)


def _upload(listing: Listing, content: bytes) -> ListingPhoto:
    return services.add_photo(
        host=listing.host, listing_id=listing.pk, file=io.BytesIO(content), size=len(content)
    )


def _forty_megapixels_of_one_colour() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (7000, 5700), "teal").save(out, format="PNG")
    return out.getvalue()


def test_a_photo_costly_to_decode_costs_its_request_no_decoding(client, media, listing):
    """126 KiB that decode to 40 megapixels: 4 to 6 s in the request before (decoded, then
    encoded anew with zlib's best compression), milliseconds now."""
    content = _forty_megapixels_of_one_colour()
    client.force_login(listing.host.user)
    photo = io.BytesIO(content)
    photo.name = "wall.png"
    client.get(f"/host/listings/{listing.pk}/")  # the process's first page: loads what pages use

    started = time.monotonic()
    response = client.post(f"/host/listings/{listing.pk}/photos/", {"photos": [photo]})
    took = time.monotonic() - started

    assert response.status_code == 302
    assert took < 1.0, f"{took:.2f} s"
    stored = ListingPhoto.objects.get(listing=listing)
    assert (stored.status, stored.width, stored.height) == ("pending", 7000, 5700)


def test_an_upload_is_kept_as_sent_until_its_task_cleans_it(media, listing):
    content = jpeg_rotated(400, 300)  # EXIF: turn to view, and a camera's make

    photo = _upload(listing, content)

    assert (photo.width, photo.height) == (300, 400)  # as shown: from the header's EXIF
    assert str(photo.image.name).startswith(f"uploads/listings/{listing.pk}/")
    with services.uploads_storage().open(str(photo.image.name)) as file:
        assert file.read() == content

    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == "ready"
    assert str(photo.image.name).startswith(f"listings/{listing.pk}/")
    with default_storage.open(str(photo.image.name)) as file, Image.open(file) as clean:
        assert clean.size == (300, 400)
        assert dict(clean.getexif()) == {}
    assert not [name for name in stored_files(media) if name.startswith("uploads/")]


def _png_with_undecodable_pixels() -> bytes:
    """A PNG whose chunks are all there with their checksums right, but whose pixel data is no
    zlib stream: only decoding finds it out."""
    content = png()
    start = content.index(b"IDAT") + 4
    length = int.from_bytes(content[start - 8 : start - 4], "big")
    garbage = bytes(range(256)) * (length // 256 + 1)
    data = garbage[:length]
    crc = zlib.crc32(b"IDAT" + data).to_bytes(4, "big")
    return content[:start] + data + crc + content[start + length + 4 :]


def test_pixels_that_cannot_be_decoded_fail_the_photo_in_its_task(media, listing):
    """The request takes it (it decodes nothing); the task cannot, and says so at once (trying
    again would not change it): the host's dashboard lists the photo as failed."""
    photo = _upload(listing, _png_with_undecodable_pixels())

    deliver("slow")

    photo.refresh_from_db()
    assert (photo.status, photo.renditions) == ("failed", {})
    assert photo.error == "ImageRejected: The image is damaged or incomplete."
    assert stored_files(media) == []  # nor is the upload kept, metadata and all


@pytest.mark.parametrize("cut", [1, 1000], ids=["its-end-marker", "a-kilobyte"])
def test_a_jpeg_cut_short_is_refused_in_the_request(media, listing, cut):
    out = io.BytesIO()
    Image.effect_noise((800, 600), 60).convert("RGB").save(out, format="JPEG")
    content = out.getvalue()[:-cut]

    with pytest.raises(ImageRejected) as caught:
        _upload(listing, content)

    assert (caught.value.status_code, caught.value.message) == (
        400,
        "The image is damaged or incomplete.",
    )
    assert stored_files(media) == []


def test_what_follows_a_jpegs_end_marker_is_not_read(media, listing):
    """A phone's motion photo carries its video after the picture's end marker."""
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(out, format="JPEG")

    photo = _upload(listing, out.getvalue() + b"\x00\x00\x00\x18ftypmp42" + bytes(5000))
    deliver("slow")

    photo.refresh_from_db()
    assert photo.status == "ready"


def test_a_photo_deleted_before_its_task_leaves_no_file(media, listing):
    photo = _upload(listing, png())

    services.delete_photo(host=listing.host, listing_id=listing.pk, photo_id=photo.pk)
    deliver("slow")

    assert not ListingPhoto.objects.exists()
    assert stored_files(media) == []
