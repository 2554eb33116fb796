"""Review (session 22): whoever accepts a booking handed on to them, on a date they wait for,
holds seats there now, and their waiting-list entry stayed open: seats freed later were offered
to them as well (a second booking they had not asked for beside the one they took), and "my
bookings" still listed them as waiting. Accepting ends their waiting on that date (the entry is
booked), and freed seats go to whoever waits next."""

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def _confirmed(guest: User, slot: Slot, seats: int = 2) -> Booking:
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=timezone.now())
    return services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())


def test_accepting_a_booking_ends_the_takers_waiting_on_that_date(
    guest: User, other_guest: User, slot: Slot
) -> None:
    Slot.objects.filter(pk=slot.pk).update(capacity=4)
    slot.refresh_from_db()
    given = _confirmed(guest, slot)
    third = UserFactory.create(email="third@example.org")
    theirs = _confirmed(third, slot)
    entry = services.join_waitlist(guest=other_guest, slot_id=slot.pk, seats=2, now=timezone.now())
    fourth = UserFactory.create(email="fourth@example.org")
    next_in_line = services.join_waitlist(
        guest=fourth, slot_id=slot.pk, seats=2, now=timezone.now()
    )
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=given.reference, to_email=other_guest.email, now=timezone.now()
    )

    services.accept_transfer(user=other_guest, secret=secret, now=timezone.now())

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED
    services.cancel_booking(guest=third, reference=theirs.reference, now=timezone.now())
    assert list(Booking.objects.filter(guest=other_guest).values_list("reference", "status")) == [
        (given.reference, Booking.Status.CONFIRMED)
    ]
    offer = Booking.objects.get(guest=fourth)
    assert (offer.status, offer.seats, offer.waitlist_entry_id) == (
        Booking.Status.HELD,
        2,
        next_in_line.pk,
    )


def test_a_taker_waiting_on_another_date_keeps_that_place(
    guest: User, other_guest: User, slot: Slot, listing: Listing
) -> None:
    other_date = SlotFactory.create(listing=listing, capacity=2)
    _confirmed(UserFactory.create(email="third@example.org"), other_date)
    elsewhere = services.join_waitlist(
        guest=other_guest, slot_id=other_date.pk, seats=2, now=timezone.now()
    )
    given = _confirmed(guest, slot)
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=given.reference, to_email=other_guest.email, now=timezone.now()
    )

    services.accept_transfer(user=other_guest, secret=secret, now=timezone.now())

    elsewhere.refresh_from_db()
    assert elsewhere.status == WaitlistEntry.Status.WAITING
