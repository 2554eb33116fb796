"""Review (session 22): a booking handed on to an address that is a verified address of the
taker's account, but not its main one (User.email), could not be taken: accepting compared the
offer's address with the main one only, so the taker, signed in to the account that holds that
address, was told to sign in with it ("not for you", a 404) by the link's page and the API
alike, and the offer could only lapse. Offering to oneself has counted every verified address
since session 21; accepting now does too. An unverified one proves nothing and is still not
enough."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, Transfer
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

WORK = "bea.work@example.org"


def _offered_to_work_address(guest: User, slot: Slot) -> tuple[Booking, str]:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
    _transfer, secret = services.offer_transfer(
        guest=guest,
        reference=booking.reference,
        to_email="Bea.Work@example.org",
        now=timezone.now(),
    )
    return booking, f"/bookings/transfer/{secret}/"


@pytest.mark.parametrize(
    ("verified", "statuses", "holder", "state"),
    [
        (True, (200, 302), "other_guest", Transfer.Status.ACCEPTED),
        # An unverified address proves nothing: still "not for you".
        (False, (404, 404), "guest", Transfer.Status.PENDING),
    ],
    ids=["verified", "unverified"],
)
def test_a_booking_offered_to_another_verified_address_of_the_takers_is_theirs_to_take(
    client: Client,
    guest: User,
    other_guest: User,
    slot: Slot,
    verified: bool,
    statuses: tuple[int, int],
    holder: str,
    state: str,
) -> None:
    EmailAddress.objects.create(user=other_guest, email=WORK, verified=verified)
    booking, link = _offered_to_work_address(guest, slot)
    client.force_login(other_guest)

    page = client.get(link)
    taken = client.post(link)

    assert (page.status_code, taken.status_code) == statuses
    booking.refresh_from_db()
    assert booking.guest_id == {"guest": guest, "other_guest": other_guest}[holder].pk
    assert Transfer.objects.get().status == state
