"""Review of the guests' bookings API (session 13): a client can cancel on the terms it showed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outings.api.tests.bookings.support import confirmed, post
from outings.api.tests.helpers import error_of
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def soon(listing: Listing) -> Slot:
    """48 hours ahead under the moderate policy: cancelling now gives back half."""
    Listing.objects.filter(pk=listing.pk).update(cancellation_policy="moderate")
    return SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(hours=48))


def test_a_cancel_that_names_the_refund_it_showed_is_refused_when_the_refund_changed(a, soon):
    """A client showed `refund_if_cancelled` (CA$25.00), the policy's 24-hour step passed, and
    the cancel recorded nothing refunded: it could not say which refund the guest agreed to."""
    reference = confirmed(a, soon)
    shown = a.get(f"/api/v1/bookings/{reference}").json()["refund_if_cancelled"]
    assert shown == 2500
    Slot.objects.filter(pk=soon.pk).update(starts_at=timezone.now() + timedelta(hours=23))

    refused = post(a, f"/bookings/{reference}/cancel", {"expected_refund": shown})

    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "refund_changed"
    assert error["fields"]["current"]["refund_if_cancelled"] == 0
    assert error["fields"]["current"]["status"] == "confirmed"
    assert Booking.objects.get().status == Booking.Status.CONFIRMED

    agreed = post(a, f"/bookings/{reference}/cancel", {"expected_refund": 0})

    assert agreed.status_code == 200
    assert (agreed.json()["status"], agreed.json()["refund_due"]) == ("cancelled", 0)


def test_a_cancel_that_expected_nothing_due_is_refused_for_a_booking_now_paid(a, soon):
    """null: the client showed a hold or request, where nothing is due."""
    reference = confirmed(a, soon)

    refused = post(a, f"/bookings/{reference}/cancel", {"expected_refund": None})

    assert (refused.status_code, error_of(refused)["code"]) == (409, "refund_changed")
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_a_cancel_that_names_the_refund_it_gives_cancels(a, soon):
    reference = confirmed(a, soon)

    response = post(a, f"/bookings/{reference}/cancel", {"expected_refund": 2500})

    assert (response.status_code, response.json()["refund_due"]) == (200, 2500)


def test_a_cancel_without_an_expected_refund_cancels_whatever_it_gives_as_before(a, soon):
    reference = confirmed(a, soon)

    response = a.generic("POST", f"/api/v1/bookings/{reference}/cancel")

    assert (response.status_code, response.json()["refund_due"]) == (200, 2500)


@pytest.mark.parametrize("value", [-1, "2500", 2.5, True])
def test_an_expected_refund_that_is_not_an_amount_is_a_400(a, soon, value):
    reference = confirmed(a, soon)

    response = post(a, f"/bookings/{reference}/cancel", {"expected_refund": value})

    assert (response.status_code, error_of(response)["code"]) == (400, "validation_error")
    assert Booking.objects.get().status == Booking.Status.CONFIRMED
