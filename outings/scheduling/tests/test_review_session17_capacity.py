"""Review (session 17): a date's places once it has begun. They were still set through the
services (the API's PATCH by the date's id, a schedules page opened before the start), while
cancelling a begun date is refused; now refused the same way, as a cancelled date's places are."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.errors import DomainError
from outings.scheduling import services
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # a Monday, 08:00 in Berlin


@pytest.fixture
def listing() -> Listing:
    return ListingFactory.create(
        host=HostProfileFactory.create(), time_zone="Europe/Berlin", duration_minutes=90
    )


def one_date(listing: Listing, *, day: date = date(2026, 6, 3)) -> Schedule:
    """A one-off date at 10:00 on `day`, made as a host makes it."""
    data = ScheduleData(kind="once", start_times=[time(10)], valid_from=day, capacity=8)
    return services.create_schedule(host=listing.host, listing_id=listing.pk, data=data, now=NOW)


# --- A started date's places ---------------------------------------------------------------


@pytest.mark.parametrize("since", [timedelta(0), timedelta(minutes=1)])
def test_the_places_of_a_date_that_has_begun_cannot_change(
    listing: Listing, since: timedelta
) -> None:
    """Nobody can book a date once it has begun; its places were still set (a new number and
    version on a date under way), as a cancelled date's were until session 16. Refused as the
    date's state, as cancelling a begun date is, at its start too, and nothing changes."""
    slot = Slot.objects.get(schedule=one_date(listing))
    before = (slot.capacity, slot.version)

    with pytest.raises(DomainError) as refused:
        services.change_slot_capacity(
            host=listing.host, slot_id=slot.pk, capacity=12, now=slot.starts_at + since
        )

    assert (refused.value.status_code, refused.value.code) == (409, "invalid_state")
    assert refused.value.message == "This date has started: its places cannot change."
    slot.refresh_from_db()
    assert (slot.capacity, slot.version) == before


def test_the_places_of_a_date_about_to_begin_still_change(listing: Listing) -> None:
    slot = Slot.objects.get(schedule=one_date(listing))

    changed = services.change_slot_capacity(
        host=listing.host,
        slot_id=slot.pk,
        capacity=12,
        now=slot.starts_at - timedelta(microseconds=1),
    )

    assert (changed.capacity, changed.version) == (12, slot.version + 1)


def test_a_stale_version_is_reported_before_the_start(listing: Listing) -> None:
    """The version first, as for a cancelled date: a host whose page is out of date is shown
    the date as it is."""
    slot = Slot.objects.get(schedule=one_date(listing))

    with pytest.raises(DomainError) as refused:
        services.change_slot_capacity(
            host=listing.host,
            slot_id=slot.pk,
            capacity=12,
            now=slot.starts_at,
            expected_version=slot.version + 5,
        )

    assert refused.value.code == "conflict"
