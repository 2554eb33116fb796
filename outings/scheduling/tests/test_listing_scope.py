"""The scheduling services that name a rule, an exception or a date by its id take the listing
it is asked about (`listing_id`, the one in the caller's path): one of another of the host's own
listings is NotFound, exactly like a missing one, and nothing changes on either listing. Each
refusal test failed on the services it was written against, which acted on the other listing."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.errors import NotFound
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import ScheduleData
from outings.scheduling.tests.support import stored

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def listing() -> Listing:
    """Listing A: the one the caller's path names."""
    return ListingFactory.create(
        host=HostProfileFactory.create(), time_zone="Europe/Berlin", duration_minutes=90
    )


@pytest.fixture
def other(listing: Listing) -> Listing:
    """Listing B: another listing of the same host, with a weekly rule, its dates and a
    cancelled day."""
    other = ListingFactory.create(host=listing.host, time_zone="Europe/Berlin", duration_minutes=90)
    rule = services.create_schedule(
        host=other.host,
        listing_id=other.pk,
        data=ScheduleData(
            weekdays=[0, 2],
            start_times=[time(10)],
            valid_from=date(2026, 6, 1),
            valid_until=date(2026, 6, 14),
            capacity=8,
        ),
        now=NOW,
    )
    services.add_schedule_exception(
        host=other.host,
        schedule_id=rule.pk,
        day=date(2026, 6, 8),
        start_time=None,
        action="cancel",
        new_time=None,
        now=NOW,
    )
    return other


def state() -> dict[str, list[Any]]:
    return stored(Schedule, ScheduleException, Slot)


def rule_of(listing: Listing) -> Schedule:
    return Schedule.objects.get(listing=listing)


def first_date_of(listing: Listing) -> Slot:
    slot = Slot.objects.filter(listing=listing).order_by("starts_at").first()
    assert slot is not None
    return slot


# Each service called about listing `under`'s path with a thing of listing `of`.
Call = Callable[[Listing, Listing], object]
CALLS: dict[str, Call] = {
    "delete_schedule": lambda under, of: services.delete_schedule(
        host=of.host, listing_id=under.pk, schedule_id=rule_of(of).pk, now=NOW
    ),
    "update_schedule": lambda under, of: services.update_schedule(
        host=of.host,
        listing_id=under.pk,
        schedule_id=rule_of(of).pk,
        data=ScheduleData(
            weekdays=[1],
            start_times=[time(16)],
            valid_from=date(2026, 6, 1),
            valid_until=date(2026, 6, 14),
            capacity=3,
        ),
        now=NOW,
    ),
    "add_schedule_exception": lambda under, of: services.add_schedule_exception(
        host=of.host,
        listing_id=under.pk,
        schedule_id=rule_of(of).pk,
        day=date(2026, 6, 3),
        start_time=None,
        action="cancel",
        new_time=None,
        now=NOW,
    ),
    "remove_schedule_exception": lambda under, of: services.remove_schedule_exception(
        host=of.host,
        listing_id=under.pk,
        exception_id=ScheduleException.objects.get(schedule__listing=of).pk,
        now=NOW,
    ),
    "change_slot_capacity": lambda under, of: services.change_slot_capacity(
        host=of.host, listing_id=under.pk, slot_id=first_date_of(of).pk, capacity=2, now=NOW
    ),
}


@pytest.mark.parametrize("name", CALLS)
def test_a_rule_exception_or_date_of_the_hosts_other_listing_is_not_found(
    name: str, listing: Listing, other: Listing
) -> None:
    before = state()

    with pytest.raises(NotFound):
        CALLS[name](listing, other)

    assert state() == before


@pytest.mark.parametrize("name", CALLS)
def test_under_its_own_listing_it_is_found(name: str, listing: Listing, other: Listing) -> None:
    before = state()

    CALLS[name](other, other)

    assert state() != before


@pytest.mark.parametrize(
    ("name", "id_name"),
    [
        ("delete_schedule", "schedule_id"),
        ("remove_schedule_exception", "exception_id"),
        ("change_slot_capacity", "slot_id"),
    ],
)
def test_another_listings_thing_costs_the_queries_of_a_missing_one(
    name: str, id_name: str, listing: Listing, other: Listing
) -> None:
    """Refused by the lookup that scopes by host, with no query of its own: as many queries as
    a missing id without a listing named."""
    service = getattr(services, name)
    arguments: dict[str, Any] = {"host": listing.host, "now": NOW}
    arguments.update({"capacity": 2} if name == "change_slot_capacity" else {})
    with CaptureQueriesContext(connection) as for_missing, pytest.raises(NotFound):
        service(**arguments, **{id_name: 0})
    ids = {
        "schedule_id": rule_of(other).pk,
        "exception_id": ScheduleException.objects.get(schedule__listing=other).pk,
        "slot_id": first_date_of(other).pk,
    }

    with CaptureQueriesContext(connection) as for_other, pytest.raises(NotFound):
        service(**arguments, listing_id=listing.pk, **{id_name: ids[id_name]})

    assert len(for_other) == len(for_missing)


def test_an_exception_named_with_another_rules_id_is_not_found(other: Listing) -> None:
    """An API path names the rule too: the exception is looked up on that rule only."""
    second = services.create_schedule(
        host=other.host,
        listing_id=other.pk,
        data=ScheduleData(
            weekdays=[0], start_times=[time(15)], valid_from=date(2026, 6, 1), capacity=4
        ),
        now=NOW,
    )
    exception = ScheduleException.objects.get()
    before = state()

    with pytest.raises(NotFound):
        services.remove_schedule_exception(
            host=other.host,
            listing_id=other.pk,
            schedule_id=second.pk,
            exception_id=exception.pk,
            now=NOW,
        )

    assert state() == before
