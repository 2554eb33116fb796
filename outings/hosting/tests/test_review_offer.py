"""Review of the offering area (hosts): host pages that change what they should not."""

import pytest
from django.utils import timezone

from outings.accounts.services import suspend_host
from outings.catalog import services as catalog_services
from outings.catalog.tests.factories import UserFactory
from outings.hosting.tests.fixtures import listing_data
from outings.hosting.tests.test_pages import LISTING_FORM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "media", "nudges")]


def test_editing_a_listing_on_the_site_keeps_the_language_its_text_is_written_in(host_client, host):
    """A listing written in German (content_language "de", set through the API) is edited on
    /host/listings/<id>/: only its title changes. ListingForm has no content_language field and
    ListingForm.to_data (outings/hosting/forms.py) does not pass one, so ListingData's default
    "en" is written: the edit silently switches the listing's text language to English, which
    changes its search configuration (stemming) and the page's lang attribute."""
    listing = catalog_services.create_listing(
        host=host, data=listing_data(content_language="de", title="Hafenrundgang"), actor=host.user
    )

    response = host_client.post(
        f"/host/listings/{listing.pk}/",
        {**LISTING_FORM, "version": listing.version, "title": "Hafenrundgang am Abend"},
    )

    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.title == "Hafenrundgang am Abend"
    assert listing.content_language == "de"


def test_a_suspended_host_cannot_change_their_public_profile(host_client, host):
    """docs/hosting.md: "A suspended host cannot change anything (403 host_suspended)". The
    profile page (outings/hosting/views/profile.py edit_profile) calls
    accounts.services.update_host_profile, which never checks host.suspended_at: a host
    suspended for spam can still rewrite the name, bio and photo that guests see on their
    bookings and that go public again on reinstatement."""
    suspend_host(
        staff=UserFactory.create(is_staff=True, permissions=["hosting.change_hostmoderation"]),
        host_id=host.pk,
        reason="Spam",
        now=timezone.now(),
    )
    before = (host.display_name, host.bio)

    host_client.post(
        "/host/profile/",
        {"display_name": "Cheap pills here", "bio": "Buy now", "city": "", "languages": "en"},
    )

    host.refresh_from_db()
    assert (host.display_name, host.bio) == before
