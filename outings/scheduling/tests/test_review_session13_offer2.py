"""Review of the offering area (session 13, second pass): one date's capacity, edited from two
places. Each test failed on the code it was written against."""

from datetime import UTC, datetime, time

import pytest

from outings.bookings import services as bookings
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.scheduling import services
from outings.scheduling.models import Slot
from outings.scheduling.rules import ScheduleData, SlotConflict
from outings.scheduling.tests.test_review_offer import listing

__all__ = ["listing"]  # the fixture, from the first review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def date_(listing):
    listing.status = "published"
    listing.save(update_fields=["status"])
    return SlotFactory.create(listing=listing, capacity=10)


def test_two_editors_of_one_dates_capacity_do_not_overwrite_each_other(listing, date_):
    """A host opens the schedules page in two tabs (capacity 10), sets 12 in one, then 8 in the
    other: the 8 silently replaced the 12. Now the second is refused with the date as it is."""
    seen = date_.version
    services.change_slot_capacity(
        host=listing.host, slot_id=date_.pk, capacity=12, expected_version=seen, now=NOW
    )

    with pytest.raises(SlotConflict) as refused:
        services.change_slot_capacity(
            host=listing.host, slot_id=date_.pk, capacity=8, expected_version=seen, now=NOW
        )

    assert refused.value.current.capacity == 12
    date_.refresh_from_db()
    assert (date_.capacity, date_.version) == (12, seen + 1)


def test_a_guest_booking_meanwhile_does_not_refuse_a_capacity_edit(listing, date_):
    """The version is about the host's edits: seats taken between reading and saving move it
    not, so a host is never told "changed meanwhile" for every booking on a busy date."""
    seen = date_.version
    bookings.hold_seats(guest=UserFactory.create(), slot_id=date_.pk, seats=2, now=NOW)

    changed = services.change_slot_capacity(
        host=listing.host, slot_id=date_.pk, capacity=14, expected_version=seen, now=NOW
    )

    assert (changed.capacity, changed.seats_taken, changed.version) == (14, 2, seen + 1)


def test_a_rules_new_capacity_moves_its_dates_versions(listing):
    """A rule's new capacity is a host's edit of each of its dates: a tab holding a date from
    before it must not put back the old number unseen."""
    rule = services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(kind="once", start_times=[time(10)], valid_from=NOW.date(), capacity=8),
        now=NOW.replace(hour=0),
    )
    date_ = Slot.objects.get(schedule=rule)
    seen = date_.version
    data = ScheduleData(kind="once", start_times=[time(10)], valid_from=NOW.date(), capacity=9)
    services.update_schedule(
        host=listing.host, schedule_id=rule.pk, data=data, now=NOW.replace(hour=0)
    )

    with pytest.raises(SlotConflict):
        services.change_slot_capacity(
            host=listing.host, slot_id=date_.pk, capacity=8, expected_version=seen, now=NOW
        )
    date_.refresh_from_db()
    assert (date_.capacity, date_.version) == (9, seen + 1)


def test_a_capacity_edit_without_a_version_stays_unconditional(listing, date_):
    services.change_slot_capacity(host=listing.host, slot_id=date_.pk, capacity=12, now=NOW)

    changed = services.change_slot_capacity(
        host=listing.host, slot_id=date_.pk, capacity=8, now=NOW
    )

    assert (changed.capacity, changed.version) == (8, date_.version + 2)
