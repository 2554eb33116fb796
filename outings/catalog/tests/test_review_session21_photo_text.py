"""Session 21: a photo's description with a NUL character was refused with "At most 250
characters." whatever its length, through the API and on the host's page alike."""

import io

import pytest

from outings.catalog.models import ListingPhoto
from outings.catalog.photos import services
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.hosting.tests.fixtures import png, stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


def test_a_description_with_a_nul_character_is_refused_for_what_it_is(media):
    listing = ListingFactory.create(host=HostProfileFactory.create())
    content = png()

    with pytest.raises(services.InvalidPhoto) as refused:
        services.add_photo(
            host=listing.host,
            listing_id=listing.pk,
            file=io.BytesIO(content),
            size=len(content),
            alt_text="The pier\x00",
        )

    assert refused.value.fields == {"alt_text": ["Must not contain NUL characters."]}
    assert not ListingPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_description_too_long_is_still_told_its_length(media):
    listing = ListingFactory.create(host=HostProfileFactory.create())
    content = png()

    with pytest.raises(services.InvalidPhoto) as refused:
        services.add_photo(
            host=listing.host,
            listing_id=listing.pk,
            file=io.BytesIO(content),
            size=len(content),
            alt_text="x" * 251,
        )

    assert refused.value.fields == {"alt_text": ["At most 250 characters."]}
