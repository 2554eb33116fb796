"""Review of the offering area (session 12): dates that do not follow a host's edit."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from outings.catalog.models import Listing
from outings.catalog.services import InvalidListing
from outings.catalog.tests.factories import SlotFactory
from outings.common.models import OutboxMessage
from outings.scheduling import events, services
from outings.scheduling.models import Slot
from outings.scheduling.rules import (
    InvalidSchedule,
    ScheduleData,
    ScheduleOverlap,
    SlotHasBookings,
)
from outings.scheduling.tests.test_review_offer import _edit, listing

__all__ = ["listing"]  # the fixture, from the first review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday
MONDAY = date(2026, 6, 1)
WEDNESDAY_10 = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)  # 10:00 in Berlin


def hand_made(listing, starts_at: datetime, **values) -> Slot:
    """A date of the listing that no rule makes (staff add one in the admin)."""
    return SlotFactory.create(
        listing=listing, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90), **values
    )


def test_a_date_made_by_hand_lasts_the_new_duration_like_the_rules_dates(listing):
    """follow_listing_change (scheduling/services.py) carries a new duration over to the slots
    of each schedule (sync_schedule_slots retimes `Slot.objects.filter(schedule=schedule)`),
    so a date with no schedule keeps its old end: after lengthening the listing to two hours,
    the rule's Monday date ends at 12:00 and the hand-made Wednesday date still at 11:30."""
    services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(kind="once", start_times=[time(10)], valid_from=MONDAY, capacity=8),
        now=NOW,
    )
    wednesday = hand_made(listing, WEDNESDAY_10)

    _edit(listing, duration_minutes=120)

    wednesday.refresh_from_db()
    assert wednesday.ends_at - wednesday.starts_at == timedelta(minutes=120)
    assert {slot.ends_at - slot.starts_at for slot in Slot.objects.filter(listing=listing)} == {
        timedelta(minutes=120)
    }


def test_a_booked_date_made_by_hand_is_retimed_and_its_guests_told(listing):
    """As for a rule's booked date: its end moves and the bookings app tells its guests (the
    RETIMED event names it), never silently."""
    booked = hand_made(listing, WEDNESDAY_10, seats_taken=2)

    _edit(listing, duration_minutes=60)

    booked.refresh_from_db()
    assert booked.ends_at == WEDNESDAY_10 + timedelta(minutes=60)
    told = OutboxMessage.objects.filter(kind=events.RETIMED).values_list("payload", flat=True)
    # No booking or waiting-list entry was on it when it moved (seats set by hand): the last
    # of each is 0 (session 19: only those made before a move are told of it).
    assert list(told) == [{"slots": [booked.pk], "last_booking": 0, "last_entry": 0}]


def test_a_longer_duration_that_makes_a_date_made_by_hand_overlap_the_next_is_refused(listing):
    """Two hand-made dates 90 minutes apart fit a 90-minute listing; at 120 minutes they would
    run two groups at once, which the rules' dates refuse (409 schedule_overlap on the
    duration)."""
    first = hand_made(listing, WEDNESDAY_10)
    hand_made(listing, WEDNESDAY_10 + timedelta(minutes=90))

    with pytest.raises(ScheduleOverlap) as refused:
        _edit(listing, duration_minutes=120)

    assert refused.value.fields == {
        "duration_minutes": ["2026-06-03 10:00 and 11:30 overlap: the listing lasts 120 minutes."]
    }
    listing.refresh_from_db()
    first.refresh_from_db()
    assert (listing.duration_minutes, listing.version) == (90, 1)
    assert first.ends_at == WEDNESDAY_10 + timedelta(minutes=90)


def test_a_past_or_cancelled_date_made_by_hand_keeps_its_times(listing):
    """Only dates to come follow: one that has begun, and a cancelled one (the record of its
    cancelled bookings), stay as they were."""
    begun = hand_made(listing, NOW - timedelta(minutes=30))
    cancelled = hand_made(listing, WEDNESDAY_10, status=Slot.Status.CANCELLED)

    _edit(listing, duration_minutes=120)

    assert Slot.objects.get(pk=begun.pk).ends_at == begun.ends_at
    assert Slot.objects.get(pk=cancelled.pk).ends_at == cancelled.ends_at


def test_a_date_made_by_hand_keeps_its_wall_clock_time_in_the_new_zone(listing):
    """Moving the meeting point to New York keeps a rule's 10:00 at 10:00 New York time; a
    hand-made 10:00 stayed at its Berlin instant, 04:00 in New York."""
    hand_made(listing, WEDNESDAY_10)

    moved = _edit(listing, latitude=40.7128, longitude=-74.0060, country_code="US")

    slot = Slot.objects.get(listing=listing)
    assert moved.time_zone == "America/New_York"
    assert slot.starts_at == datetime(2026, 6, 3, 14, 0, tzinfo=UTC)  # 10:00 in New York
    assert slot.ends_at == slot.starts_at + timedelta(minutes=90)


def test_a_booked_date_made_by_hand_that_a_new_zone_would_move_is_refused(listing):
    hand_made(listing, WEDNESDAY_10, seats_taken=1)

    with pytest.raises(SlotHasBookings) as refused:
        _edit(listing, latitude=40.7128, longitude=-74.0060, country_code="US")

    assert "2026-06-03 10:00" in refused.value.fields["latitude"][0]
    listing.refresh_from_db()
    assert (listing.time_zone, listing.version) == ("Europe/Berlin", 1)
    assert Slot.objects.get(listing=listing).starts_at == WEDNESDAY_10


# A minimum of guests per date that no date can reach: every date is cancelled at its cut-off
# (bookings.services.decide_minimum), whatever guests book.


def _weekly(capacity: int) -> ScheduleData:
    return ScheduleData(
        weekdays=[0], start_times=[time(10)], valid_from=MONDAY, valid_until=None, capacity=capacity
    )


def test_a_minimum_of_guests_above_the_seats_of_a_date_is_refused(listing):
    """validate_listing checks min_guests against 0..1000 only: a listing whose dates have 10
    seats took a minimum of 12, so every date would be cancelled for too few guests."""
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=_weekly(10), now=NOW)

    with pytest.raises(InvalidListing) as refused:
        _edit(listing, min_guests=12)

    assert refused.value.fields == {
        "min_guests": ["A date of this listing has 10 seats: at most 10."]
    }
    listing.refresh_from_db()
    assert (listing.min_guests, listing.version) == (0, 1)


def test_a_minimum_of_guests_that_fills_the_smallest_date_is_taken(listing):
    services.create_schedule(host=listing.host, listing_id=listing.pk, data=_weekly(10), now=NOW)

    assert _edit(listing, min_guests=10).min_guests == 10


def test_a_rule_with_fewer_seats_than_the_minimum_of_guests_is_refused(listing):
    Listing.objects.filter(pk=listing.pk).update(min_guests=8)

    with pytest.raises(InvalidSchedule) as refused:
        services.create_schedule(host=listing.host, listing_id=listing.pk, data=_weekly(6), now=NOW)

    assert refused.value.fields == {"capacity": ["At least the minimum of guests per date (8)."]}
    assert not Slot.objects.filter(listing=listing).exists()


def test_a_date_cut_below_the_minimum_of_guests_is_refused(listing):
    Listing.objects.filter(pk=listing.pk).update(min_guests=8)
    slot = hand_made(listing, WEDNESDAY_10)

    with pytest.raises(InvalidSchedule) as refused:
        services.change_slot_capacity(host=listing.host, slot_id=slot.pk, capacity=6, now=NOW)

    assert refused.value.fields == {"capacity": ["At least the minimum of guests per date (8)."]}
    slot.refresh_from_db()
    assert slot.capacity == 10
