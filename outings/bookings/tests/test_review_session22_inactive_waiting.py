"""Review (session 22): staff set a guest's account inactive (they can no longer sign in), and
that guest's place on a waiting list stayed first in line: seats freed on the date were offered
to them as a hold for BOOKINGS_WAITLIST_OFFER_MINUTES (two hours) that nobody could confirm,
while whoever waited next was passed over until it lapsed. Freed seats go to the first entry
whose guest can sign in."""

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def test_freed_seats_pass_over_a_guest_who_can_no_longer_sign_in(
    guest: User, other_guest: User, slot: Slot
) -> None:
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
    gone = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=timezone.now())
    later = UserFactory.create(email="later@example.org")
    next_in_line = services.join_waitlist(guest=later, slot_id=slot.pk, seats=2, now=timezone.now())
    User.objects.filter(pk=other_guest.pk).update(is_active=False)

    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())

    assert not Booking.objects.filter(guest=other_guest).exists()
    offer = Booking.objects.get(guest=later)
    assert (offer.status, offer.waitlist_entry_id) == (Booking.Status.HELD, next_in_line.pk)
    gone.refresh_from_db()
    next_in_line.refresh_from_db()
    assert (gone.status, next_in_line.status) == (
        WaitlistEntry.Status.WAITING,
        WaitlistEntry.Status.OFFERED,
    )
