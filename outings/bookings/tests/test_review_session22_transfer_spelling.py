"""Review (session 22): an address spelled another way reaches the same mailbox (full-width
letters, a domain in Unicode or punycode: Django's SMTP backend sends to the domain's IDNA form,
accounts.models.canonical_email), and since this session an account keeps its address in that
form. A transfer offered to kate@<full-width example>.org reached Kate's mailbox and her in-app
inbox, yet accepting it told her "not for you": the taker's addresses were compared by lower case
only. And the giver could offer a booking to their own address spelled so."""

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.errors import InvalidTransfer
from outings.bookings.models import Booking, Transfer
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

FULL_WIDTH_EXAMPLE = "\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45"  # "example" in full-width letters


def _confirmed(guest: User, slot: Slot) -> Booking:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=timezone.now())
    return services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())


def test_a_transfer_to_another_spelling_of_the_takers_address_can_be_taken(
    guest: User, slot: Slot
) -> None:
    kate = UserFactory.create(email="kate@example.org")
    booking = _confirmed(guest, slot)

    transfer, secret = services.offer_transfer(
        guest=guest,
        reference=booking.reference,
        to_email=f"Kate@{FULL_WIDTH_EXAMPLE}.org",
        now=timezone.now(),
    )
    services.accept_transfer(user=kate, secret=secret, now=timezone.now())

    booking.refresh_from_db()
    assert booking.guest_id == kate.pk
    assert Transfer.objects.get(pk=transfer.pk).to_email == f"Kate@{FULL_WIDTH_EXAMPLE}.org"


def test_a_punycode_domain_is_the_same_address_as_its_unicode_form(guest: User, slot: Slot) -> None:
    ada = UserFactory.create(email="ada@ex\u00e4mple.org")
    booking = _confirmed(guest, slot)

    _transfer, secret = services.offer_transfer(
        guest=guest,
        reference=booking.reference,
        to_email="ada@xn--exmple-cua.org",
        now=timezone.now(),
    )
    services.accept_transfer(user=ada, secret=secret, now=timezone.now())

    booking.refresh_from_db()
    assert booking.guest_id == ada.pk


def test_ones_own_address_spelled_otherwise_is_ones_own(guest: User, slot: Slot) -> None:
    local, _, domain = guest.email.partition("@")
    spelled = f"{local.upper()}@{domain.replace('example', FULL_WIDTH_EXAMPLE)}"
    assert spelled != guest.email.upper()  # another spelling, not only another case
    booking = _confirmed(guest, slot)

    with pytest.raises(InvalidTransfer) as refused:
        services.offer_transfer(
            guest=guest, reference=booking.reference, to_email=spelled, now=timezone.now()
        )

    assert "to_email" in refused.value.fields
    assert not Transfer.objects.filter(booking=booking).exists()
