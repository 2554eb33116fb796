"""The bookings services a host's schedules page and API call about one date or rule take the
listing in the caller's path (`listing_id`): a date or rule of another of the host's own
listings is NotFound, like a missing one, and nothing changes, its guests' bookings included.
Each refusal test failed on the services it was written against, which acted on the other
listing. Without `listing_id` (the roster page, whose path names only the date) any of the
host's dates is found, as before."""

from dataclasses import replace
from datetime import date, time
from typing import Any

import pytest

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory
from outings.common.errors import NotFound
from outings.scheduling import services as scheduling
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData
from outings.scheduling.tests.support import stored

pytestmark = pytest.mark.django_db

RULE = ScheduleData(
    weekdays=[0, 2],
    start_times=[time(10)],
    valid_from=date(2030, 6, 3),
    valid_until=date(2030, 6, 16),
    capacity=8,
)


@pytest.fixture
def other(host: HostProfile) -> Listing:
    """Listing B: another listing of the same host (the fixture `listing` is A)."""
    return ListingFactory.create(host=host, price_amount=2500, currency="CAD", max_group_size=6)


@pytest.fixture
def booked(guest: User, other: Listing) -> Booking:
    """A confirmed booking on a date of listing B."""
    slot = SlotFactory.create(listing=other, capacity=10)
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=NOW)
    return services.confirm_booking(guest=guest, reference=held.reference, now=NOW)


def state() -> dict[str, list[Any]]:
    return stored(Schedule, Slot, Booking)


def test_cancelling_a_date_of_the_hosts_other_listing_is_not_found(
    host: HostProfile, listing: Listing, booked: Booking
) -> None:
    before = state()

    with pytest.raises(NotFound):
        services.cancel_slot(
            host=host, listing_id=listing.pk, slot_id=booked.slot_id, reason="", now=NOW
        )

    assert state() == before


def test_the_capacity_of_a_date_of_the_hosts_other_listing_is_not_found(
    host: HostProfile, listing: Listing, booked: Booking
) -> None:
    before = state()

    with pytest.raises(NotFound):
        services.change_slot_capacity(
            host=host, listing_id=listing.pk, slot_id=booked.slot_id, capacity=4, now=NOW
        )

    assert state() == before


def test_a_rule_of_the_hosts_other_listing_is_not_found(
    host: HostProfile, listing: Listing, other: Listing
) -> None:
    rule = scheduling.create_schedule(host=host, listing_id=other.pk, data=RULE, now=NOW)
    before = state()

    with pytest.raises(NotFound):
        services.update_schedule(
            host=host,
            listing_id=listing.pk,
            schedule_id=rule.pk,
            data=replace(RULE, capacity=3),
            now=NOW,
        )

    assert state() == before


def test_under_its_own_listing_or_none_a_date_is_found(
    host: HostProfile, other: Listing, booked: Booking
) -> None:
    services.change_slot_capacity(
        host=host, listing_id=other.pk, slot_id=booked.slot_id, capacity=4, now=NOW
    )
    services.cancel_slot(host=host, slot_id=booked.slot_id, reason="", now=NOW)

    slot = Slot.objects.get(pk=booked.slot_id)
    assert (slot.capacity, slot.status) == (4, Slot.Status.CANCELLED)
