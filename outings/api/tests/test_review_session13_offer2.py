"""Review of the offering area (session 13, second pass): the host API's date capacity without
a version, and a photo gone under its editor. Each test failed on the code it was written
against."""

import json

import pytest
from django.utils import timezone

from outings.api.tests.helpers import error_of
from outings.api.tests.test_review_session13_offer import api, host, published
from outings.bookings import services as bookings
from outings.catalog.models import ListingPhoto
from outings.catalog.tests.factories import SlotFactory, UserFactory

__all__ = ["api", "host", "published"]  # the fixtures, from the first pass

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


@pytest.fixture
def slot(published):
    return SlotFactory.create(listing=published, capacity=10)


def patch(api, url, body, headers=None):
    return api.patch(url, json.dumps(body), content_type="application/json", headers=headers or {})


def slot_url(slot):
    return f"/api/v1/host/listings/{slot.listing_id}/slots/{slot.pk}"


def test_two_scripts_setting_a_dates_capacity_do_not_overwrite_each_other(api, slot):
    """Two clients read the date (capacity 10, version v) and each sets a capacity: the second
    silently replaced the first. Now the date's `version` rides along, and a stale one is a 409
    with the date as it is."""
    listed = api.get(f"/api/v1/host/listings/{slot.listing_id}/slots").json()["items"][0]
    seen = listed["version"]

    first = patch(api, slot_url(slot), {"capacity": 12, "version": seen})
    second = patch(api, slot_url(slot), {"capacity": 8, "version": seen})

    assert first.status_code == 200
    assert first.json()["version"] == seen + 1
    assert first["ETag"] == f'"{seen + 1}"'
    assert second.status_code == 409
    error = error_of(second)
    assert error["code"] == "conflict"
    assert error["fields"]["current"]["capacity"] == 12
    slot.refresh_from_db()
    assert slot.capacity == 12


def test_a_stale_if_match_on_a_dates_capacity_is_a_412(api, slot):
    patch(api, slot_url(slot), {"capacity": 12}, {"If-Match": f'"{slot.version}"'})

    stale = patch(api, slot_url(slot), {"capacity": 8}, {"If-Match": f'"{slot.version}"'})

    assert stale.status_code == 412
    assert error_of(stale)["code"] == "precondition_failed"
    slot.refresh_from_db()
    assert slot.capacity == 12


def test_a_booking_meanwhile_does_not_make_the_version_stale(api, slot):
    seen = slot.version
    # A hold still running (one made on a fixed day long gone has lapsed: its seats count as
    # free in the answer since session 24).
    bookings.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=timezone.now())

    response = patch(api, slot_url(slot), {"capacity": 12, "version": seen})

    assert response.status_code == 200
    assert (response.json()["capacity"], response.json()["seats_taken"]) == (12, 2)


def test_a_capacity_edit_without_a_version_stays_unconditional_in_v1(api, slot):
    patch(api, slot_url(slot), {"capacity": 12})

    response = patch(api, slot_url(slot), {"capacity": 8})

    assert response.status_code == 200
    assert response.json()["capacity"] == 8


# --- A photo deleted by another client ------------------------------------------------------


@pytest.fixture
def photo(published):
    return ListingPhoto.objects.create(
        listing=published, image="0.png", width=800, height=600, position=0
    )


def test_describing_a_deleted_photo_is_a_404_in_the_error_shape(api, photo):
    url = f"/api/v1/host/listings/{photo.listing_id}/photos/{photo.pk}"
    assert api.delete(url).status_code == 204

    described = patch(api, url, {"alt_text": "The pier", "version": photo.version})
    deleted_again = api.delete(url)

    for response in (described, deleted_again):
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
        assert set(response.json()["error"]) == {"code", "message", "fields"}
