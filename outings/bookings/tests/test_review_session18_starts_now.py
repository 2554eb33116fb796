"""Review (session 18): a date that starts at the very instant of the read. The hold takes seats
only on a date that has not begun (`starts_at > now`, seats._TAKE), but the reads of bookable
dates took `starts_at >= now`: a date starting exactly now was offered (the bookable dates,
the listing page's next dates, the featured experiences) and then refused. They agree now: from
its start a date is no longer offered, a microsecond before it is and can be held."""

from datetime import datetime, timedelta

import pytest

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.errors import SlotUnavailable
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.scheduling.selectors import bookable_slots, featured_experiences, upcoming_slots

pytestmark = pytest.mark.django_db


def test_a_date_starting_now_is_offered_only_while_it_can_be_held(
    guest: User, listing: Listing
) -> None:
    slot = SlotFactory.create(listing=listing, capacity=4)
    starts = slot.starts_at

    def offered(now: datetime) -> tuple[bool, list[int], list[int]]:
        return (
            bookable_slots(now=now).filter(pk=slot.pk).exists(),
            [s.pk for s in upcoming_slots(listing_id=listing.pk, now=now, limit=5)],
            [x.pk for x in featured_experiences(now=now, per_category=5)],
        )

    assert offered(starts) == (False, [], [])
    with pytest.raises(SlotUnavailable):
        services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=starts)

    just_before = starts - timedelta(microseconds=1)
    assert offered(just_before) == (True, [slot.pk], [listing.pk])
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=just_before)
    assert held.seats == 1
