"""Review (session 18): the waiting list. Personas come from conftest.py."""

from datetime import timedelta

import pytest

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_races_session13 import book
from outings.bookings.tests.test_waitlist_and_transfer import consistent
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

Entry = WaitlistEntry.Status


def test_a_lapsed_offer_taken_after_joining_the_list_again_is_a_request(
    guest: User, other_guest: User, listing: Listing
) -> None:
    """A date of 4 seats, full (A 2, a stranger 2). B waits for 2; A cancels, B is offered the
    2 seats, and the offer lapses. B waits again, for 3 this time (2 are free: not enough). On
    a listing that takes requests, B's yes to the lapsed offer (in time after all, its seats
    still free) makes it a request, which reopened its entry while B's new one was open: the
    one-open-entry constraint failed the confirm (IntegrityError: a 500). It is now a request
    for the 2 seats, and B keeps waiting for 3."""
    slot = SlotFactory.create(listing=listing, capacity=4)
    a = book(guest, slot, 2)
    book(UserFactory.create(), slot, 2)
    first = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=NOW)
    services.cancel_booking(guest=guest, reference=a.reference, now=NOW)
    offer = Booking.objects.get(waitlist_entry=first)
    assert offer.expires_at is not None
    assert services.expire_booking(booking_id=offer.pk, now=offer.expires_at)
    later = offer.expires_at + timedelta(minutes=5)
    second = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=3, now=later)
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)

    requested = services.confirm_booking(guest=other_guest, reference=offer.reference, now=later)

    assert requested.status == Booking.Status.REQUESTED
    assert consistent(slot) == 4
    statuses = dict(WaitlistEntry.objects.values_list("pk", "status"))
    assert statuses == {first.pk: Entry.LAPSED, second.pk: Entry.WAITING}
