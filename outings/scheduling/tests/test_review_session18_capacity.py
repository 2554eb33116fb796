"""Review (session 18): a rule's edit and the places its host set on one of its dates. Every
edit of a rule (a new end date, a weekday more) set every date to come back to the rule's
capacity, wiping the places the host had given one date; an edit that changes the rule's
capacity moves the dates that follow the rule and keeps those the host set by hand."""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from outings.catalog.models import Listing
from outings.scheduling import services
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import CapacityBelowSeatsTaken
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form, staff_client
from outings.scheduling.tests.test_schedule_services import listing, weekly

__all__ = ["listing", "staff_client"]  # fixtures

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday, 08:00 in Berlin
WEDNESDAY = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)  # 10:00 in Berlin


def a_rule_with_one_date_set_by_hand(listing: Listing, *, capacity: int) -> tuple[Schedule, Slot]:
    """The weekly rule (8 places) and its Wednesday 3 June, given `capacity` places by its host."""
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=weekly(), now=NOW
    )
    slot = Slot.objects.get(schedule=schedule, starts_at=WEDNESDAY)
    services.change_slot_capacity(host=listing.host, slot_id=slot.pk, capacity=capacity, now=NOW)
    slot.refresh_from_db()
    return schedule, slot


def places(listing: Listing) -> dict[str, tuple[int, int]]:
    """Each date's places and version, by its local day."""
    return {
        f"{slot.starts_at:%m-%d}": (slot.capacity, slot.version)
        for slot in Slot.objects.filter(listing=listing).order_by("starts_at")
    }


@pytest.mark.parametrize(
    "edit",
    [
        {"valid_until": date(2026, 6, 21)},  # a week longer
        {"weekdays": [0, 2, 4]},  # Fridays too
        {"start_times": [time(10), time(15)]},  # an afternoon group too
    ],
)
def test_an_edit_that_leaves_the_capacity_alone_keeps_a_dates_own_places(
    listing: Listing, edit: dict[str, Any]
) -> None:
    schedule, slot = a_rule_with_one_date_set_by_hand(listing, capacity=12)

    services.update_schedule(
        host=listing.host, schedule_id=schedule.pk, data=weekly(**edit), now=NOW
    )

    slot.refresh_from_db()
    assert (slot.capacity, slot.version) == (12, 2)
    others = Slot.objects.filter(schedule=schedule).exclude(pk=slot.pk)
    assert set(others.values_list("capacity", flat=True)) == {8}


def test_a_new_capacity_moves_the_dates_that_follow_the_rule_and_keeps_those_set_by_hand(
    listing: Listing,
) -> None:
    schedule, _slot = a_rule_with_one_date_set_by_hand(listing, capacity=12)

    services.update_schedule(
        host=listing.host, schedule_id=schedule.pk, data=weekly(capacity=10), now=NOW
    )

    assert places(listing) == {
        "06-01": (10, 2),
        "06-03": (12, 2),  # the host's own, as it was
        "06-08": (10, 2),
        "06-10": (10, 2),
    }


def test_a_date_set_back_to_its_rules_places_follows_the_rule_again(listing: Listing) -> None:
    """Setting a date to the number its rule gives is how a host puts it back in step."""
    schedule, slot = a_rule_with_one_date_set_by_hand(listing, capacity=12)
    services.change_slot_capacity(host=listing.host, slot_id=slot.pk, capacity=8, now=NOW)

    services.update_schedule(
        host=listing.host, schedule_id=schedule.pk, data=weekly(capacity=10), now=NOW
    )

    slot.refresh_from_db()
    assert slot.capacity == 10


def test_a_date_whose_own_places_are_booked_beyond_the_rule_does_not_refuse_an_edit(
    listing: Listing,
) -> None:
    """The host raised one date to 12 and 11 are booked: a rule of 8, or a new one of 10, does
    not touch that date, so neither refuses the edit (both were refused: 11 seats taken)."""
    schedule, slot = a_rule_with_one_date_set_by_hand(listing, capacity=12)
    Slot.objects.filter(pk=slot.pk).update(seats_taken=11)

    services.update_schedule(
        host=listing.host,
        schedule_id=schedule.pk,
        data=weekly(valid_until=date(2026, 6, 21)),
        now=NOW,
    )
    services.update_schedule(
        host=listing.host,
        schedule_id=schedule.pk,
        data=weekly(valid_until=date(2026, 6, 21), capacity=10),
        now=NOW,
    )

    slot.refresh_from_db()
    assert (slot.capacity, slot.seats_taken) == (12, 11)
    assert Schedule.objects.get(pk=schedule.pk).capacity == 10


def test_a_new_capacity_below_the_seats_of_a_date_that_follows_the_rule_is_still_refused(
    listing: Listing,
) -> None:
    schedule, slot = a_rule_with_one_date_set_by_hand(listing, capacity=12)
    Slot.objects.filter(pk=slot.pk).update(seats_taken=11)
    monday = Slot.objects.get(schedule=schedule, starts_at=datetime(2026, 6, 8, 8, tzinfo=UTC))
    Slot.objects.filter(pk=monday.pk).update(seats_taken=6)
    before = places(listing)

    with pytest.raises(CapacityBelowSeatsTaken) as refused:
        services.update_schedule(
            host=listing.host, schedule_id=schedule.pk, data=weekly(capacity=5), now=NOW
        )

    assert refused.value.message == (
        "6 seats are already taken on 2026-06-08 10:00: capacity cannot go below 6."
    )
    assert places(listing) == before
    assert Schedule.objects.get(pk=schedule.pk).capacity == 8


# --- Staff's places -----------------------------------------------------------------------------


def test_places_staff_set_on_a_rules_date_are_its_own_too(
    staff_client: Client, listing: Listing
) -> None:
    """The admin's new places are a date's own as a host's are: the rule's new capacity keeps
    them."""
    now = timezone.now()
    today = now.astimezone(ZoneInfo(listing.time_zone)).date()
    rule = weekly(weekdays=list(range(7)), valid_from=today + timedelta(days=1), valid_until=None)
    schedule = services.create_schedule(
        host=listing.host, listing_id=listing.pk, data=rule, now=now
    )
    slot = Slot.objects.filter(schedule=schedule).earliest("starts_at")

    saved = staff_client.post(change_url(slot), {**open_form(staff_client, slot), "capacity": 14})
    assert saved.status_code == 302
    services.update_schedule(
        host=listing.host,
        schedule_id=schedule.pk,
        data=dataclasses.replace(rule, capacity=10),
        now=timezone.now(),
    )

    slot.refresh_from_db()
    assert (slot.capacity, slot.own_capacity) == (14, True)
    others = Slot.objects.filter(schedule=schedule).exclude(pk=slot.pk)
    assert set(others.values_list("capacity", flat=True)) == {10}
