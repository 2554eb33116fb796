"""Session 21: a listing's public page showed guests every photo in the host's order, those
whose renditions were still being made ("Photo being prepared…") and those that could not be
made ("This photo could not be prepared.", until the host deletes it) too: the host's state of
work, and a broken picture for good, on the page guests book from."""

import io

import pytest
from django.urls import reverse

from outings.catalog.models import ListingPhoto
from outings.catalog.photos.services import add_photo
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.outbox.testing import deliver
from outings.hosting.tests.fixtures import media, png  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media", "nudges")]


def _photo(listing, alt_text):
    content = png()
    return add_photo(
        host=listing.host,
        listing_id=listing.pk,
        file=io.BytesIO(content),
        size=len(content),
        alt_text=alt_text,
    )


def test_guests_see_the_ready_photos_only_and_the_host_sees_every_one(client):
    listing = ListingFactory.create(host=HostProfileFactory.create())
    _photo(listing, "The harbour at dawn")
    deliver("slow")
    failed = _photo(listing, "A blurred pier")
    ListingPhoto.objects.filter(pk=failed.pk).update(status=ListingPhoto.Status.FAILED)
    _photo(listing, "The lighthouse")  # pending: its renditions are not made yet

    page = client.get(reverse("web:listing", kwargs={"pk": listing.pk})).content.decode()

    assert 'alt="The harbour at dawn"' in page
    assert "could not be prepared" not in page
    assert "being prepared" not in page
    assert page.count('class="photo-rendition"') == 1

    client.force_login(listing.host.user)
    own = client.get(reverse("hosting:listing", kwargs={"pk": listing.pk})).content.decode()
    assert "A blurred pier" in own
    assert "The lighthouse" in own
