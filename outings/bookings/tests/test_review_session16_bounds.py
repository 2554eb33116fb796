"""Review (session 16): the booking features around the seat guard, pinned where a mutation audit
found nothing that would notice a change: a waiting-list offer's deadline before a date that
starts soon; the instant a hold lapses for the guests a date's move tells; and one found
wanting: the places of a cancelled date (refused now, on the API and the pages too). Personas
come from conftest.py."""

from datetime import timedelta

import pytest

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.errors import HoldExpired
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_waitlist_and_transfer import book, consistent
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.errors import DomainError
from outings.notifications.models import Notification
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


# --- A waiting-list offer's deadline -----------------------------------------------------------


def test_an_offer_made_ten_minutes_before_the_start_lapses_at_the_start(
    guest: User, listing: Listing
) -> None:
    """An offer is held BOOKINGS_WAITLIST_OFFER_MINUTES (120), never past the start: made ten
    minutes before, it is held until the start, not for two hours of a date under way."""
    starts_at = NOW + timedelta(minutes=10)
    slot = SlotFactory.create(
        listing=listing, capacity=2, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    booked = book(guest, slot, 2)
    waiter = UserFactory.create()
    entry = services.join_waitlist(guest=waiter, slot_id=slot.pk, seats=2, now=NOW)

    services.cancel_booking(guest=guest, reference=booked.reference, now=NOW)

    offer = Booking.objects.get(waitlist_entry=entry)
    assert (offer.status, offer.guest, offer.seats) == (Booking.Status.HELD, waiter, 2)
    assert offer.expires_at == starts_at
    assert offer.status_at(starts_at) == Booking.Status.EXPIRED
    with pytest.raises(HoldExpired):
        services.confirm_booking(guest=waiter, reference=offer.reference, now=starts_at)
    assert consistent(slot) == 2


def test_an_offer_made_two_hours_and_a_minute_before_the_start_is_held_two_hours(
    guest: User, listing: Listing
) -> None:
    starts_at = NOW + timedelta(minutes=121)
    slot = SlotFactory.create(
        listing=listing, capacity=2, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    booked = book(guest, slot, 2)
    entry = services.join_waitlist(guest=UserFactory.create(), slot_id=slot.pk, seats=1, now=NOW)

    services.cancel_booking(guest=guest, reference=booked.reference, now=NOW)

    offer = Booking.objects.get(waitlist_entry=entry)
    assert offer.expires_at == NOW + timedelta(minutes=120)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED


# --- The instant a hold lapses -----------------------------------------------------------------


def test_a_move_tells_a_hold_until_the_instant_it_lapses_and_not_at_it(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """A date's move tells a guest holding seats that the hold stands until its deadline; a hold
    whose deadline is the move's very instant has lapsed (every read counts it free from
    expires_at on: Booking.status_at) and is not told, nor its version moved."""
    lapsing = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=NOW)
    standing = services.hold_seats(
        guest=other_guest, slot_id=slot.pk, seats=1, now=NOW + timedelta(microseconds=1)
    )
    at = lapsing.expires_at
    assert at is not None

    told = services.retime_bookings(slot_ids=[slot.pk], now=at)

    assert told == 1
    lapsing.refresh_from_db()
    standing.refresh_from_db()
    assert (lapsing.version, standing.version) == (1, 2)
    retimed = Notification.objects.filter(kind="booking.retimed")
    assert list(retimed.values_list("user", flat=True)) == [other_guest.pk]


# --- A cancelled date's places -----------------------------------------------------------------


def test_a_cancelled_dates_places_cannot_change(host: HostProfile, guest: User, slot: Slot) -> None:
    """A date its host cancelled stays as it was: its guests were told and refunded, its
    waiting list closed. Its capacity was still set (the version moved, the page and the API
    showed the new number on a date nobody can book); it is refused as the date's state, as a
    second cancellation is, and nothing changes."""
    book(guest, slot, 4)
    services.cancel_slot(host=host, slot_id=slot.pk, reason="Storm", now=NOW)
    slot.refresh_from_db()
    before = (slot.status, slot.capacity, slot.seats_taken, slot.version)

    with pytest.raises(DomainError) as refused:
        services.change_slot_capacity(host=host, slot_id=slot.pk, capacity=12, now=NOW)

    assert (refused.value.status_code, refused.value.code) == (409, "invalid_state")
    assert refused.value.message == "This date is cancelled: its places cannot change."
    slot.refresh_from_db()
    assert (slot.status, slot.capacity, slot.seats_taken, slot.version) == before
    assert consistent(slot) == 0
