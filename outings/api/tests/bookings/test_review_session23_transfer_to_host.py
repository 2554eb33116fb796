"""Review (session 23): a booking could be offered to its listing's host (their main address or
another verified one of theirs). The offer passed, used up one of the guest's limited offers and
mailed the host a link that accepting then refused ("You cannot book your own listing."), as a
host's hold or join of their own listing's waiting list is refused. The offer is now refused as
one to oneself is (400 on to_email), and nothing is mailed; another host may still take it."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress

from outings.accounts.models import HostProfile
from outings.api.tests.bookings.support import confirmed, post, state
from outings.api.tests.helpers import error_of
from outings.bookings.models import Transfer
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

REFUSED = "The host of this listing cannot take a booking of it."


@pytest.mark.parametrize("verified_other", [False, True], ids=["main address", "other verified"])
def test_a_transfer_to_the_listings_host_is_refused(
    a: Any, host_x: HostProfile, slot: Slot, verified_other: bool
) -> None:
    address = host_x.user.email
    if verified_other:
        address = "xavier.work@example.org"
        EmailAddress.objects.create(user=host_x.user, email=address, verified=True)
    reference = confirmed(a, slot)
    before = state()

    response = post(a, f"/bookings/{reference}/transfer", {"to_email": address.upper()})

    assert (response.status_code, error_of(response)["code"]) == (400, "validation_error")
    assert error_of(response)["fields"] == {"body.payload.to_email": [REFUSED]}
    assert state() == before  # the outbox too: nothing mailed
    assert not Transfer.objects.exists()


def test_another_host_may_still_be_offered_the_booking(
    a: Any, host_y: HostProfile, slot: Slot
) -> None:
    reference = confirmed(a, slot)

    response = post(a, f"/bookings/{reference}/transfer", {"to_email": host_y.user.email})

    assert response.status_code == 202
    assert list(Transfer.objects.values_list("to_email", flat=True)) == [host_y.user.email]
