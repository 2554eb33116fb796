"""Races (session 16) around the minimum's cut-off, pinned where a mutation audit found nothing
that would notice a change: decide_minimum's second look at the date once it holds its locks.
Each side runs in its own thread with its own connection (test_races_session13.race). Personas
come from conftest.py."""

from datetime import timedelta

import pytest

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests.test_races_session13 import _nudges, book, race
from outings.bookings.tests.test_review_bookings import seats_consistent
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.scheduling.models import Slot

__all__ = ["_nudges"]  # fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_date_its_host_cancels_while_its_minimum_is_decided_is_not_decided_again(
    host: HostProfile, guest: User, listing: Listing
) -> None:
    """Minimum 4, one guest of 2: the host cancels the date at the moment the beat task decides
    it. The decision waits for the host's locks and then finds the date cancelled: it leaves it
    as the host left it (cancelled by the host, its guest refunded by the host) and reports no
    date cancelled below its minimum."""
    Listing.objects.filter(pk=listing.pk).update(min_guests=4, min_guests_cutoff_hours=48)
    slot = SlotFactory.create(listing=listing, capacity=10)
    cutoff = slot.starts_at - timedelta(hours=48)
    by_host = cutoff - timedelta(seconds=1)
    booked = book(guest, slot, 2, now=cutoff - timedelta(hours=1))

    cancelling, deciding = race(
        lambda: services.cancel_slot(host=host, slot_id=slot.pk, reason="Storm", now=by_host),
        lambda: services.decide_minimum(slot_id=slot.pk, now=cutoff),
    )

    assert cancelling.error is None
    assert deciding.error is None
    assert deciding.value is False
    slot.refresh_from_db()
    assert (slot.status, slot.minimum_checked_at) == (Slot.Status.CANCELLED, by_host)
    booked.refresh_from_db()
    assert (booked.status, booked.cancelled_by, booked.cancel_reason) == (
        Booking.Status.CANCELLED,
        Booking.Party.HOST,
        "Storm",
    )
    assert seats_consistent(slot)
