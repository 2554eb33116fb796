"""Review (session 22): leaving a waiting list whose offer had already run out (before the sweep
recorded it) recorded the offer as cancelled by the guest: its page, which read "Expired" a
moment before, then read "Cancelled by the guest", and its history held a cancellation nobody
made. The offer lapses, as the sweep would record it, and the guest leaves the list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def test_leaving_after_the_offer_ran_out_lapses_it_rather_than_cancelling_it(
    guest: User, other_guest: User, slot: Slot
) -> None:
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    then = timezone.now() - timedelta(hours=3)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=then)
    booking = services.confirm_booking(guest=guest, reference=held.reference, now=then)
    entry = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=then)
    services.cancel_booking(guest=guest, reference=booking.reference, now=then)
    offer = Booking.objects.get(guest=other_guest)
    assert offer.status_at(timezone.now()) == Booking.Status.EXPIRED

    services.leave_waitlist(guest=other_guest, entry_id=entry.pk, now=timezone.now())

    offer.refresh_from_db()
    entry.refresh_from_db()
    assert (offer.status, offer.cancelled_by) == (Booking.Status.EXPIRED, "")
    assert entry.status == WaitlistEntry.Status.LEFT
    slot.refresh_from_db()
    assert slot.seats_taken == 0
