"""Review (session 23): the minimum's cut-off decided a date without looking at its start under
the date's lock. The beat run lists the dates due (starts_at > now) and then decides each in its
own transaction, after waiting for the locks of its bookings and the date; a date whose start
staff moved into the past meanwhile (the admin's correction of its times), or one a decision
reaches only after its start (a run whose `now` is later than the list's), was cancelled "for
too few guests" once under way, its guests refunded in full and told it would not take place.
A date that has begun is no longer decided: it takes place with whoever comes, as a host's or
staff's cancellation refuses it ("This date has already started."). Personas: conftest.py."""

from datetime import timedelta

import pytest

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_waitlist_and_transfer import book
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.common.models import OutboxMessage
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def below_minimum(listing: Listing, guest: User) -> tuple[Slot, Booking]:
    """A date a day ahead, past its 48 hours' cut-off, with one guest of the four it needs."""
    Listing.objects.filter(pk=listing.pk).update(min_guests=4, min_guests_cutoff_hours=48)
    slot = SlotFactory.create(listing=listing, starts_at=NOW + timedelta(hours=24))
    return slot, book(guest, slot, 1)


def test_a_date_under_way_is_not_cancelled_for_too_few_guests(
    below_minimum: tuple[Slot, Booking],
) -> None:
    """Staff moved its start to a minute ago after the run listed it (what the decision reads
    once it holds the date's lock)."""
    slot, booked = below_minimum
    assert services.slots_due_for_minimum(now=NOW) == [slot.pk]
    started = NOW - timedelta(minutes=1)
    Slot.objects.filter(pk=slot.pk).update(starts_at=started, ends_at=started + timedelta(hours=2))
    outbox = OutboxMessage.objects.count()

    cancelled = services.decide_minimum(slot_id=slot.pk, now=NOW)

    assert cancelled is False
    slot.refresh_from_db()
    assert (slot.status, slot.minimum_checked_at) == (Slot.Status.OPEN, None)
    booked.refresh_from_db()
    assert (booked.status, booked.refund_due) == (Booking.Status.CONFIRMED, None)
    assert OutboxMessage.objects.count() == outbox


def test_a_date_still_to_come_is_still_cancelled(below_minimum: tuple[Slot, Booking]) -> None:
    """The control: the same date, not moved."""
    slot, booked = below_minimum

    assert services.decide_minimum(slot_id=slot.pk, now=NOW) is True

    booked.refresh_from_db()
    assert (booked.status, booked.cancelled_by) == (Booking.Status.CANCELLED, Booking.Party.SYSTEM)
