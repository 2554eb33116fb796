"""The host's daily booking count agrees with the bookings: a booking cancelled before the
worker announced it is never counted, and one cancelled on a later day leaves the day it was
counted on."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.common.outbox.testing import deliver
from outings.scheduling.models import Slot
from outings.stats.models import ListingDay

pytestmark = pytest.mark.django_db


def counted(slot: Slot) -> int:
    return (
        ListingDay.objects.filter(listing_id=slot.listing_id).aggregate(n=Sum("bookings"))["n"] or 0
    )


def test_a_booking_cancelled_before_the_worker_announced_it_is_not_counted(
    guest: User, slot: Slot, nudges: list[str]
) -> None:
    now = timezone.now()
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    services.confirm_booking(guest=guest, reference=booking.reference, now=now)
    # The guest cancels a moment later, before the urgent worker got to the confirmation.
    services.cancel_booking(guest=guest, reference=booking.reference, now=now)

    deliver("urgent")

    assert counted(slot) == 0  # no booking stands on this listing


def test_a_booking_cancelled_on_a_later_day_leaves_the_count(
    guest: User, slot: Slot, nudges: list[str]
) -> None:
    yesterday = timezone.now() - timedelta(days=1)
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=yesterday)
    services.confirm_booking(guest=guest, reference=booking.reference, now=yesterday)
    deliver("urgent")
    assert counted(slot) == 1

    services.cancel_booking(guest=guest, reference=booking.reference, now=timezone.now())

    assert counted(slot) == 0  # the -1 landed on today's row, clamped at 0 and lost
