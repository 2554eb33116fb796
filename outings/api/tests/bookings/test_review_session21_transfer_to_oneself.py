"""Review (session 21): a transfer "to yourself" was refused by the guest's main address alone
(User.email): offered to another verified address of the same account, it passed, used up one
of the guest's limited offers (BOOKINGS_TRANSFERS_PER_BOOKING, per day) and mailed the guest a
link that nobody could accept (the booking is already theirs). Any verified address of the
account is now the guest's own; an unverified one, not proven theirs, may still be offered."""

from typing import Any

import pytest
from allauth.account.models import EmailAddress

from outings.accounts.models import User
from outings.api.tests.bookings.support import confirmed, post, state
from outings.api.tests.helpers import error_of
from outings.bookings.models import Transfer
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["ada.work@example.org", "Ada.Work@Example.org "])
def test_a_transfer_to_another_verified_address_of_ones_own_is_refused(
    a: Any, guest_a: User, slot: Slot, typed: str
) -> None:
    EmailAddress.objects.create(user=guest_a, email="ada.work@example.org", verified=True)
    reference = confirmed(a, slot)
    before = state()

    response = post(a, f"/bookings/{reference}/transfer", {"to_email": typed})

    assert (response.status_code, error_of(response)["code"]) == (400, "validation_error")
    assert error_of(response)["fields"] == {
        "body.payload.to_email": ["The booking is already yours."]
    }
    assert state() == before
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    ("owner", "verified", "offered"),
    [("guest_a", False, "ada.typo@example.org"), ("guest_b", True, "bea.work@example.org")],
    ids=["ones-own-unverified", "another-accounts-verified"],
)
def test_an_address_not_proven_ones_own_may_still_be_offered(
    a: Any, slot: Slot, owner: str, verified: bool, offered: str, request: Any
) -> None:
    user = request.getfixturevalue(owner)
    EmailAddress.objects.create(user=user, email=offered, verified=verified)
    reference = confirmed(a, slot)

    response = post(a, f"/bookings/{reference}/transfer", {"to_email": offered})

    assert response.status_code == 202
    assert list(Transfer.objects.values_list("to_email", flat=True)) == [offered]
