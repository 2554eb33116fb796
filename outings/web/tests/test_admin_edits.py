"""Staff edits in the admin reach the public pages as a host's edits do."""

import pytest
from django.urls import reverse

from outings.catalog import services
from outings.catalog.models import Listing
from outings.catalog.services import ListingData
from outings.catalog.tests.factories import ListingFactory
from outings.web.tests.test_admin import listing_form

pytestmark = pytest.mark.django_db


def test_a_staff_edit_of_the_description_reaches_the_public_page(client, staff):
    # A host's listing: its description was rendered into description_html by the service.
    listing = ListingFactory.create(description="x", address="1 Front St W")
    data = ListingData.of(listing)
    values = {**vars(data), "description": "Call me on +1 555 0100 for a cheaper deal."}
    services.update_listing(
        host=listing.host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=ListingData(**values),
        actor=listing.host.user,
    )
    listing.refresh_from_db()
    assert "cheaper deal" in client.get(listing.get_absolute_url()).content.decode()

    # Staff moderate it in the admin: the description is replaced.
    client.force_login(staff)
    response = client.post(
        reverse("admin:catalog_listing_change", args=[listing.pk]),
        listing_form(listing, description="A walk along the harbour."),
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.description == "A walk along the harbour."
    client.logout()

    page = client.get(listing.get_absolute_url()).content.decode()
    assert "cheaper deal" not in page
    assert "A walk along the harbour." in page
    assert Listing.objects.get(pk=listing.pk).description_html.count("cheaper") == 0


def test_the_admin_refuses_a_time_zone_that_does_not_exist(client, staff):
    listing = ListingFactory.create(address="1 Front St W", time_zone="America/Toronto")
    client.force_login(staff)

    response = client.post(
        reverse("admin:catalog_listing_change", args=[listing.pk]),
        listing_form(listing, time_zone="Europe/Berln"),
    )

    assert response.status_code == 200  # the form again, with the error
    assert "An IANA time zone" in response.content.decode()
    listing.refresh_from_db()
    assert listing.time_zone == "America/Toronto"
