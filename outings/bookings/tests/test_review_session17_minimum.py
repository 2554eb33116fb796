"""Review (session 17): a minimum of guests raised after a date's cut-off. The host's new minimum
was read by the next run of `decide_minimums` for every date not decided yet, those whose cut-off
had passed too: a date past it (on, as far as its guests knew: none without a minimum before)
was cancelled at once for too few guests, hours before it, by a rule set after its cut-off.
Now a raised minimum applies to the dates whose cut-off is still ahead; one past it is decided
at the edit by the minimum it had. Personas come from conftest.py."""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests.conftest import NOW
from outings.bookings.tests.test_waitlist_and_transfer import book
from outings.catalog.models import Listing
from outings.catalog.services import ListingData
from outings.catalog.tests.factories import SlotFactory
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def the_run(now: datetime) -> list[int]:
    """What beat's decide_minimums does at `now`: the dates it cancels."""
    return [
        slot_id
        for slot_id in services.slots_due_for_minimum(now=now)
        if services.decide_minimum(slot_id=slot_id, now=now)
    ]


def set_minimum(host: HostProfile, listing: Listing, **changes: Any) -> Listing:
    """The host's listing form (or PUT /host/listings/{id}) with the booking settings changed."""
    listing.refresh_from_db()
    return services.update_listing(
        host=host,
        listing_id=listing.pk,
        expected_version=listing.version,
        data=replace(ListingData.of(listing), address="1 Harbour Street", **changes),
        actor=host.user,
        now=NOW,
    )


@pytest.fixture
def dates(listing: Listing, guest: User) -> tuple[Slot, Slot]:
    """A date a day ahead (past the 48 hours' cut-off) and one three days ahead (before it),
    one guest booked on each."""
    soon = SlotFactory.create(listing=listing, starts_at=NOW + timedelta(hours=24))
    later = SlotFactory.create(listing=listing, starts_at=NOW + timedelta(hours=72))
    book(guest, soon, 1)
    book(guest, later, 1)
    return soon, later


def test_a_minimum_set_after_a_dates_cut_off_does_not_cancel_it(
    host: HostProfile, listing: Listing, dates: tuple[Slot, Slot]
) -> None:
    """No minimum, then 3: the date past its cut-off stays on (decided at the edit, as a date
    without a minimum is); the date whose cut-off is ahead is decided by the new minimum."""
    soon, later = dates

    set_minimum(host, listing, min_guests=3)

    assert the_run(NOW) == []
    soon.refresh_from_db()
    assert (soon.status, soon.minimum_checked_at) == (Slot.Status.OPEN, NOW)
    assert not Booking.objects.filter(slot=soon, status=Booking.Status.CANCELLED).exists()
    later.refresh_from_db()
    assert (later.status, later.minimum_checked_at) == (Slot.Status.OPEN, None)
    assert the_run(later.starts_at - timedelta(hours=48)) == [later.pk]  # 1 guest, minimum 3


def test_a_higher_minimum_decides_a_date_past_its_cut_off_by_the_one_it_had(
    host: HostProfile, listing: Listing, guest: User, other_guest: User
) -> None:
    """Minimum 2; the run has not come round yet for a date past its cut-off with 2 guests.
    The host raises the minimum to 4: the date is decided by 2, and stays on."""
    Listing.objects.filter(pk=listing.pk).update(min_guests=2)
    soon = SlotFactory.create(listing=listing, starts_at=NOW + timedelta(hours=24))
    book(guest, soon, 1)
    book(other_guest, soon, 1)

    set_minimum(host, listing, min_guests=4)

    assert the_run(NOW) == []
    soon.refresh_from_db()
    assert (soon.status, soon.minimum_checked_at) == (Slot.Status.OPEN, NOW)


def test_a_higher_minimum_still_cancels_a_date_below_the_one_it_had(
    host: HostProfile, listing: Listing, guest: User
) -> None:
    """What the run would have done by the minimum the date had at its cut-off, done at the
    edit: 1 guest, minimum 2 before and 4 now."""
    Listing.objects.filter(pk=listing.pk).update(min_guests=2)
    soon = SlotFactory.create(listing=listing, starts_at=NOW + timedelta(hours=24))
    book(guest, soon, 1)

    set_minimum(host, listing, min_guests=4)

    soon.refresh_from_db()
    assert (soon.status, soon.minimum_checked_at) == (Slot.Status.CANCELLED, NOW)
    assert Booking.objects.get(slot=soon).status == Booking.Status.CANCELLED


def test_a_longer_cut_off_with_a_higher_minimum_cancels_no_date_past_either(
    host: HostProfile, listing: Listing, dates: tuple[Slot, Slot]
) -> None:
    """A cut-off of four days instead of two and a minimum of 3: the date three days ahead is
    past the new cut-off, which came with the minimum, and stays on."""
    soon, later = dates

    set_minimum(host, listing, min_guests=3, min_guests_cutoff_hours=96)

    assert the_run(NOW) == []
    for slot in (soon, later):
        slot.refresh_from_db()
        assert (slot.status, slot.minimum_checked_at) == (Slot.Status.OPEN, NOW)


def test_an_edit_that_keeps_the_minimum_decides_nothing(
    host: HostProfile, listing: Listing, dates: tuple[Slot, Slot]
) -> None:
    soon, _later = dates

    set_minimum(host, listing, min_guests=0, title="Harbour walk at dusk")

    soon.refresh_from_db()
    assert soon.minimum_checked_at is None
