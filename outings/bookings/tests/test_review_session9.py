"""Review of session 9's booking changes (waiting-list offers on listings by request, leaving a
list, offers while a listing is not bookable): each test names what goes wrong and why.
Personas come from conftest.py: guest A (`guest`), the listing's host (`host`); NOW is before
every factory slot."""

from datetime import timedelta

import pytest
from django.db.models import Sum

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_review_bookings import offered_on_a_listing_by_request
from outings.scheduling.models import Slot


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def seats_consistent(slot: Slot) -> bool:
    slot.refresh_from_db()
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE)
    return slot.seats_taken == (active.aggregate(n=Sum("seats"))["n"] or 0)


def lapsed_offer_on_a_listing_by_request(
    guest: User, host: HostProfile
) -> tuple[Slot, User, WaitlistEntry, Booking]:
    """A full date of a listing by request, a waiter offered the freed seats, the offer lapsed
    (swept) with nobody else waiting: its seats are free again."""
    slot, waiter, entry, offer = offered_on_a_listing_by_request(guest, host)
    assert offer.expires_at is not None
    later = offer.expires_at + timedelta(minutes=1)
    assert services.expire_booking(booking_id=offer.pk, now=later)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LAPSED
    return slot, waiter, entry, offer


@pytest.mark.django_db
def test_a_lapsed_offer_taken_as_a_request_can_still_be_withdrawn_by_leaving(
    guest: User, host: HostProfile
) -> None:
    """confirm_booking re-takes a lapsed offer's seats and, on a listing by request, makes it a
    request (_request_offered, outings/bookings/services/holds.py:226-240), but leaves its
    waiting-list entry `lapsed` (end_booking set it so when the offer lapsed): an active request
    hangs on an entry that says its offer is over. Leaving the list, which docs/bookings.md
    says withdraws an offer that became a request, then refuses ("You are no longer on this
    waiting list") and the host can still book someone who asked to leave. The instant path
    (_confirm) moves the entry to `booked`; this one should put it back to `offered`."""
    slot, waiter, entry, offer = lapsed_offer_on_a_listing_by_request(guest, host)
    later = NOW + timedelta(hours=3)

    taken = services.confirm_booking(guest=waiter, reference=offer.reference, now=later)
    assert taken.status == Booking.Status.REQUESTED

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED, "an active request on a lapsed entry"
    services.leave_waitlist(guest=waiter, entry_id=entry.pk, now=later)
    offer.refresh_from_db()
    assert offer.status == Booking.Status.CANCELLED
    assert seats_consistent(slot)
