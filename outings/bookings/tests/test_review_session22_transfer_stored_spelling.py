"""Review (session 22, second read of ba3c3d1): a verified address kept before 3d37116, in the
spelling it was added with (`ada@xn--exmple-cua.org`: addresses stored before were not
rewritten). Since ba3c3d1 an offer's address is kept as mail reaches it (canonical_email:
`ada@exämple.org`) and is_own_address looked the taker's verified addresses up by that form, so
the stored spelling no longer matched: a booking offered to exactly the address Ada had added
and verified reached her, and accepting it told her "not for you" (a 404), where before ba3c3d1
the same spelling was hers to take. Each verified address is compared in its canonical form."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.errors import InvalidTransfer
from outings.bookings.models import Booking, Transfer
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

STORED = "ada@xn--exmple-cua.org"  # as allauth kept it before 3d37116 (its form lower-cases)
SPELLINGS = {"as stored": STORED, "in Unicode": "ada@exämple.org"}


def _confirmed(guest: User, slot: Slot) -> Booking:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=timezone.now())
    return services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())


def _ada() -> User:
    ada = UserFactory.create(email="ada.home@example.org")
    # A row of allauth's, written as it was before 3d37116: not through canonical_email.
    EmailAddress.objects.create(user=ada, email=STORED, verified=True)
    assert EmailAddress.objects.get(user=ada).email == STORED
    return ada


@pytest.mark.parametrize("spelled", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_a_booking_offered_to_a_verified_address_kept_in_another_spelling_can_be_taken(
    client: Client, guest: User, slot: Slot, spelled: str
) -> None:
    ada = _ada()
    booking = _confirmed(guest, slot)
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=spelled, now=timezone.now()
    )
    link = f"/bookings/transfer/{secret}/"
    client.force_login(ada)

    page = client.get(link)
    taken = client.post(link)

    assert (page.status_code, taken.status_code) == (200, 302)
    booking.refresh_from_db()
    assert booking.guest_id == ada.pk
    assert Transfer.objects.get().status == Transfer.Status.ACCEPTED


@pytest.mark.parametrize("spelled", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_offering_to_ones_own_verified_address_kept_in_another_spelling_is_refused(
    slot: Slot, spelled: str
) -> None:
    ada = _ada()
    booking = _confirmed(ada, slot)

    with pytest.raises(InvalidTransfer):
        services.offer_transfer(
            guest=ada, reference=booking.reference, to_email=spelled, now=timezone.now()
        )

    assert not Transfer.objects.exists()
