"""Review (session 19): a listing's smallest group is one booking's size at least, and a booking
takes at most MAX_SEATS (50). A host could set a smallest group of 51 to 100: the listing was
published with dates and a booking form, and every booking was refused ("From 60 to 50
seats."). The form, the services and the API now refuse it, as they refuse a smallest group
above a date's seats."""

import pytest

from outings.api.tests.test_hosting_api import BODY
from outings.bookings.services.holds import MAX_SEATS
from outings.catalog.models import Listing
from outings.hosting.tests.test_pages import LISTING_FORM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "media", "nudges")]


def test_a_smallest_group_no_booking_can_take_is_refused_and_nothing_is_stored(host_client):
    too_large = {**LISTING_FORM, "min_group_size": str(MAX_SEATS + 1), "max_group_size": "100"}

    response = host_client.post("/host/listings/new/", too_large)

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"min_group_size"}
    assert not Listing.objects.exists()


def test_the_largest_smallest_group_a_booking_takes_is_accepted(host_client):
    response = host_client.post(
        "/host/listings/new/",
        {**LISTING_FORM, "min_group_size": str(MAX_SEATS), "max_group_size": "100"},
    )

    assert response.status_code == 302
    assert Listing.objects.get().min_group_size == MAX_SEATS


def test_the_api_refuses_it_in_the_error_shape(client, host):
    client.force_login(host.user)
    body = {**BODY, "min_group_size": MAX_SEATS + 1, "max_group_size": 100}

    response = client.post("/api/v1/host/listings", body, content_type="application/json")

    assert 400 <= response.status_code < 500
    assert "min_group_size" in str(response.json()["error"]["fields"])
    assert not Listing.objects.exists()
