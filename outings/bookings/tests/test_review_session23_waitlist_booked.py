"""Review (session 23): a guest waiting on a date who then booked seats on it directly kept
their waiting-list entry, so seats freed later were offered to them as well (a second booking
beside the one they made, held for hours and kept from whoever waited next). Their booking
ends their waiting on that date (the entry is booked) once it is a booking: confirmed, or a
request the host accepted. A hold or a request still pending leaves the place as it is (it
may lapse), and an offer already made to the entry stands, as after a transfer."""

from typing import Any

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


def _full_with_three(slot: Slot) -> list[tuple[User, Booking]]:
    """Six seats, three guests with two each."""
    Slot.objects.filter(pk=slot.pk).update(capacity=6)
    slot.refresh_from_db()
    booked = []
    for name in ("one", "two", "three"):
        guest = UserFactory.create(email=f"{name}@example.org")
        booked.append((guest, _confirmed(guest, slot)))
    return booked


def test_booking_the_date_directly_ends_the_guests_waiting_on_it(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """The guest waits for four seats; two free up (too few for the entry, so nobody is offered
    them) and the guest books those two. Four freed later go to whoever waits next, not to them."""
    (one, first), (two, second), (three, third) = _full_with_three(slot)
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=4, now=timezone.now())
    next_in_line = services.join_waitlist(
        guest=other_guest, slot_id=slot.pk, seats=4, now=timezone.now()
    )
    services.cancel_booking(guest=one, reference=first.reference, now=timezone.now())
    assert not Booking.objects.filter(guest__in=[guest, other_guest]).exists()

    mine = _confirmed(guest, slot)

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED
    next_in_line.refresh_from_db()
    assert next_in_line.status == WaitlistEntry.Status.WAITING
    services.cancel_booking(guest=two, reference=second.reference, now=timezone.now())
    services.cancel_booking(guest=three, reference=third.reference, now=timezone.now())
    assert list(Booking.objects.filter(guest=guest).values_list("reference", "status")) == [
        (mine.reference, Booking.Status.CONFIRMED)
    ]
    offer = Booking.objects.get(guest=other_guest)
    assert (offer.status, offer.seats, offer.waitlist_entry_id) == (
        Booking.Status.HELD,
        4,
        next_in_line.pk,
    )


def test_a_hold_not_confirmed_keeps_the_place(guest: User, slot: Slot) -> None:
    """A hold may lapse: until it is confirmed the guest keeps their place."""
    (one, first), _two, _three = _full_with_three(slot)
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=4, now=timezone.now())
    services.cancel_booking(guest=one, reference=first.reference, now=timezone.now())

    services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING


def test_an_entry_joined_after_the_hold_asks_for_more_and_stays(guest: User, slot: Slot) -> None:
    """The guest holds the last two seats, then joins the list for two more: confirming the
    hold leaves that wish standing."""
    (one, first), _two, _three = _full_with_three(slot)
    services.cancel_booking(guest=one, reference=first.reference, now=timezone.now())
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())

    services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING


def test_the_hosts_yes_to_a_request_ends_the_guests_waiting(
    guest: User, slot: Slot, listing: Listing
) -> None:
    (one, first), _two, _three = _full_with_three(slot)
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=4, now=timezone.now())
    services.cancel_booking(guest=one, reference=first.reference, now=timezone.now())
    Listing.objects.filter(pk=listing.pk).update(instant_booking=False)
    request = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    entry.refresh_from_db()
    assert (request.status, entry.status) == (
        Booking.Status.REQUESTED,
        WaitlistEntry.Status.WAITING,
    )

    services.accept_request(host=listing.host, reference=request.reference, now=timezone.now())

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED


def test_a_booking_of_another_date_keeps_the_place(
    guest: User, slot: Slot, listing: Listing
) -> None:
    _full_with_three(slot)
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    other_date = SlotFactory.create(listing=listing, capacity=4)

    _confirmed(guest, other_date)

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING


def test_a_confirm_of_a_guest_who_waits_for_nothing_sends_no_statement_more(
    guest: User, slot: Slot, django_assert_num_queries: Any
) -> None:
    """The hot path: the probe rides on the statement that locks the booking (6 statements,
    as on the commit before)."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())

    with django_assert_num_queries(6):
        services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
