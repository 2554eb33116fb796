"""Review (session 18, locks taken with a JOIN): offering freed seats to a date's waiting list
(core.offer_freed_seats) locked the waiting entries with `select_for_update()` and their guests
joined (`select_related("guest")`), which without `of` locks every joined row: each waiting
guest's user row FOR UPDATE. A guest's cancellation then waited for anything holding a waiting
guest's row (their profile edit, FOR NO KEY UPDATE, which FOR UPDATE conflicts with), and two
cancellations on dates whose lists share two guests could lock those users in opposite orders.
Only the entries are locked now (`of=("self",)`, as every other locking read of entries): the
users are read, not locked (docs/bookings.md, the lock order)."""

from typing import Any

import pytest
from django.db import transaction

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_races_session13 import book
from outings.common.tests.connections import in_thread
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("nudges")]


def test_a_cancellation_offering_its_seats_does_not_wait_for_a_waiting_guests_profile_edit(
    guest: User, other_guest: User, slot: Slot
) -> None:
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    booking = book(guest, slot, 2)
    entry = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the waiting guest's profile edit (accounts.update_profile)
        User.objects.select_for_update(no_key=True).get(pk=other_guest.pk)
        cancelling = in_thread(
            outcome,
            "cancel",
            lambda: services.cancel_booking(guest=guest, reference=booking.reference, now=NOW),
        )
        cancelling.join(timeout=5)
        done_before_the_edit = not cancelling.is_alive()
    cancelling.join(timeout=10)

    assert done_before_the_edit
    assert isinstance(outcome["cancel"], Booking), outcome["cancel"]
    offer = Booking.objects.get(waitlist_entry=entry)
    assert (offer.guest_id, offer.seats, offer.status) == (other_guest.pk, 2, Booking.Status.HELD)
    assert WaitlistEntry.objects.get(pk=entry.pk).status == WaitlistEntry.Status.OFFERED
