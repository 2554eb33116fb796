"""An upload that cannot be kept is refused before its image is decoded.

services.add_photo decoded and re-encoded every upload (clean_upload: up to 40 megapixels, the
costliest step of the request) and stored it before it looked at the listing's photo count or
state: a host posting thirty photos at once to the site's upload form (or a script to the API)
made the server decode all thirty to keep twelve, and every photo sent to an archived listing
was decoded and stored only to be deleted again. docs/hosting.md says each step refuses before
the next costs anything: a full or archived listing is now refused first (the count is checked
again under the listing's row lock, which stays the rule). A PDF shows the order: refused for
the listing (409), never read as an image (415)."""

import io

import pytest

from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.photos import services
from outings.catalog.photos.services import TooManyPhotos
from outings.catalog.services import InvalidTransition
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.hosting.tests.fixtures import PDF, png, stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


def _upload(listing: Listing, content: bytes) -> ListingPhoto:
    return services.add_photo(
        host=listing.host, listing_id=listing.pk, file=io.BytesIO(content), size=len(content)
    )


def test_a_full_listing_refuses_an_upload_before_reading_it(media, settings):
    settings.PHOTO_MAX_PER_LISTING = 1
    listing = ListingFactory.create(host=HostProfileFactory.create())
    _upload(listing, png())
    before = stored_files(media)

    with pytest.raises(TooManyPhotos):
        _upload(listing, PDF)

    assert ListingPhoto.objects.filter(listing=listing).count() == 1
    assert stored_files(media) == before


def test_an_archived_listing_refuses_an_upload_before_reading_it(media):
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), status=Listing.Status.ARCHIVED
    )

    with pytest.raises(InvalidTransition):
        _upload(listing, PDF)

    assert not ListingPhoto.objects.exists()
    assert stored_files(media) == []


def test_the_site_names_each_photo_over_the_limit_without_keeping_it(client, media, settings):
    settings.PHOTO_MAX_PER_LISTING = 1
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host)
    client.force_login(host.user)
    files = [io.BytesIO(png()), io.BytesIO(PDF)]
    files[0].name, files[1].name = "harbour.png", "menu.pdf"

    response = client.post(f"/host/listings/{listing.pk}/photos/", {"photos": files}, follow=True)

    page = response.content.decode()
    assert "menu.pdf: A listing may have at most 1 photos." in page
    assert ListingPhoto.objects.filter(listing=listing).count() == 1
