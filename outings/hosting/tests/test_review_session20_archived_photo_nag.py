"""The dashboard's "Needs your attention" listed every failed photo of the host's, those of an
archived listing too: "A photo of … could not be prepared; please upload it again or another
one", for ever, since an archived listing takes no upload and no delete ("An archived listing
cannot be edited."): nothing the host could do cleared it. Only the photos of listings the
host can still edit are listed now."""

import pytest
from django.utils import timezone

from outings.catalog import services
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import ListingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "media", "nudges")]


def _failed_photo(listing: Listing) -> ListingPhoto:
    return ListingPhoto.objects.create(
        listing=listing, image="x.png", width=1, height=1, status=ListingPhoto.Status.FAILED
    )


def test_a_failed_photo_of_an_archived_listing_needs_no_attention(host, host_client):
    retired = ListingFactory.create(host=host, title="Retired walk")
    _failed_photo(retired)
    services.archive_listing(host=host, listing_id=retired.pk, actor=host.user, now=timezone.now())
    live = ListingFactory.create(host=host, title="Live walk")
    _failed_photo(live)

    page = host_client.get("/host/").content.decode()

    assert 'A photo of “<span lang="en">Live walk</span>” could not be prepared' in page
    assert 'A photo of “<span lang="en">Retired walk</span>”' not in page


def test_with_only_an_archived_listings_failed_photo_nothing_needs_attention(host, host_client):
    retired = ListingFactory.create(host=host, title="Retired walk")
    _failed_photo(retired)
    services.archive_listing(host=host, listing_id=retired.pk, actor=host.user, now=timezone.now())

    page = host_client.get("/host/").content.decode()

    assert "Needs your attention" not in page
