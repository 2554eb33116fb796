"""Review (session 22, second read of 7ba4988): a date cancelled while a waiting-list offer on it
had run out, before the sweep recorded it. The cancellation lapses the offer's hold as the sweep
would (7ba4988), but then closed its entry with the entries still open: it read `closed` ("the
date was cancelled"), where the sweep first leaves it `lapsed` (its guest let the offer lapse)
and the cancellation then leaves it so. The entry reads as the sweep leaves it, sweep or not; an
offer still open when the date is cancelled is closed with the rest, as before."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.tests.factories import UserFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def _offered(slot: Slot, guest: User, *, now: datetime) -> tuple[WaitlistEntry, Booking]:
    """`guest` waits for the full date's two seats, and is offered them at `now`."""
    Slot.objects.filter(pk=slot.pk).update(capacity=2)
    third = UserFactory.create(email="third@example.org")
    held = services.hold_seats(guest=third, slot_id=slot.pk, seats=2, now=now)
    theirs = services.confirm_booking(guest=third, reference=held.reference, now=now)
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=2, now=now)
    services.cancel_booking(guest=third, reference=theirs.reference, now=now)
    entry.refresh_from_db()
    offer = Booking.objects.get(waitlist_entry=entry)
    assert (entry.status, offer.status) == (WaitlistEntry.Status.OFFERED, Booking.Status.HELD)
    return entry, offer


@pytest.mark.parametrize("swept", [False, True], ids=["before the sweep", "after the sweep"])
def test_an_offer_that_ran_out_leaves_its_entry_lapsed_when_the_date_is_cancelled(
    host: HostProfile, slot: Slot, guest: User, swept: bool
) -> None:
    offered_at = timezone.now()
    entry, offer = _offered(slot, guest, now=offered_at)
    later = offered_at + timedelta(hours=3)  # the offer lasts two hours
    assert offer.status_at(later) == Booking.Status.EXPIRED
    if swept:
        assert services.expire_booking(booking_id=offer.pk, now=later)

    services.cancel_slot(host=host, slot_id=slot.pk, reason="Storm warning", now=later)

    entry.refresh_from_db()
    offer.refresh_from_db()
    assert offer.status == Booking.Status.EXPIRED
    assert entry.status == WaitlistEntry.Status.LAPSED


def test_an_offer_still_open_is_cancelled_and_its_entry_closed_with_the_date(
    host: HostProfile, slot: Slot, guest: User
) -> None:
    """The control (session 20's rule): the guest neither let it lapse nor turned it down."""
    offered_at = timezone.now()
    entry, offer = _offered(slot, guest, now=offered_at)

    services.cancel_slot(
        host=host, slot_id=slot.pk, reason="Storm warning", now=offered_at + timedelta(minutes=5)
    )

    entry.refresh_from_db()
    offer.refresh_from_db()
    assert offer.status == Booking.Status.CANCELLED
    assert entry.status == WaitlistEntry.Status.CLOSED
