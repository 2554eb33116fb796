"""Review (session 25): a start cancelled or moved after its date had begun.

A two-hour listing in Berlin runs Sundays at 10:00 and 16:00. At 11:00 on Sunday 1 March its
host moves today's 10:00 to 13:00: accepted ("Exception saved."), and a new date at 13:00 was
put on sale while the 10:00 group, out since 10:00, ran on (the sync makes the dates to come
only: the date under way was never its to move). Cancelling today's 10:00 then was accepted
too, and the date ran on as if nothing was said. Both are now refused on `start_time`, naming
the start, with nothing changed; the 16:00 start, and the whole day (its starts to come go,
the one under way runs on), are still cancelled or moved (the controls). Each refusal test
failed on the code it was written against."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts import services as account_services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import InvalidException, ScheduleData
from outings.scheduling.tests.support import stored

pytestmark = pytest.mark.django_db

MADE = datetime(2026, 2, 28, 9, 0, tzinfo=UTC)  # the Saturday before, when the rule was made
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)  # Sunday, 11:00 in Berlin: 10:00's group is out
TODAY = date(2026, 3, 1)
BEGUN = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # today's 10:00 in Berlin
LATER = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)  # today's 16:00 in Berlin


@pytest.fixture
def schedule() -> Schedule:
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), time_zone="Europe/Berlin", duration_minutes=120
    )
    return services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=[6],
            start_times=[time(10), time(16)],
            valid_from=date(2026, 3, 1),
            valid_until=date(2026, 3, 31),
            capacity=8,
        ),
        now=MADE,
    )


def change(schedule: Schedule, start: time | None, action: str, to: time | None = None) -> None:
    services.add_schedule_exception(
        host=schedule.listing.host,
        listing_id=schedule.listing_id,
        schedule_id=schedule.pk,
        day=TODAY,
        start_time=start,
        action=action,
        new_time=to,
        now=NOW,
    )


def starts(listing: Listing) -> list[datetime]:
    """The listing's open dates today, by start."""
    return list(
        Slot.objects.filter(listing=listing, status=Slot.Status.OPEN, starts_at__date=TODAY)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )


BEGUN_REFUSAL = {
    "start_time": ["10:00 on 2026-03-01 has begun: its date can no longer be cancelled or moved."]
}


def test_a_start_under_way_cannot_be_moved(schedule: Schedule) -> None:
    """The move put a second date on sale at 13:00 beside the one under way."""
    assert starts(schedule.listing) == [BEGUN, LATER]
    before = stored(Slot, ScheduleException)

    with pytest.raises(InvalidException) as refused:
        change(schedule, time(10), ScheduleException.Action.MOVE, time(13))

    assert refused.value.fields == BEGUN_REFUSAL
    assert stored(Slot, ScheduleException) == before


def test_a_start_under_way_cannot_be_cancelled(schedule: Schedule) -> None:
    """The cancel was saved, and the date ran on."""
    before = stored(Slot, ScheduleException)

    with pytest.raises(InvalidException) as refused:
        change(schedule, time(10), ScheduleException.Action.CANCEL)

    assert refused.value.fields == BEGUN_REFUSAL
    assert stored(Slot, ScheduleException) == before


def test_the_api_refuses_it_as_a_400_naming_the_start() -> None:
    """Through the API, on the clock of the request: the start of this very minute has begun."""
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), time_zone="Europe/Berlin", duration_minutes=60
    )
    local = timezone.now().astimezone(ZoneInfo("Europe/Berlin")).replace(second=0, microsecond=0)
    rule = services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=[local.weekday()],
            start_times=[local.time()],
            valid_from=local.date(),
            capacity=8,
        ),
        now=timezone.now(),
    )
    token = account_services.create_api_token(user=listing.host.user, name="t").secret
    api = Client(headers={"Authorization": f"Bearer {token}"})
    url = f"/api/v1/host/listings/{listing.pk}/schedules/{rule.pk}/exceptions"
    before = stored(Slot, ScheduleException)

    answer = api.post(
        url,
        {"day": local.date().isoformat(), "start_time": f"{local:%H:%M}", "action": "cancel"},
        content_type="application/json",
    )

    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] == "validation_error"
    assert answer.json()["error"]["fields"] == {
        "body.payload.start_time": [
            f"{local:%H:%M} on {local.date()} has begun: its date can no longer be cancelled "
            "or moved."
        ]
    }
    assert stored(Slot, ScheduleException) == before


# --- Controls: a start to come, and the rest of a day ---------------------------------------


def test_a_start_still_to_come_that_day_is_still_moved(schedule: Schedule) -> None:
    change(schedule, time(16), ScheduleException.Action.MOVE, time(17))

    assert starts(schedule.listing) == [BEGUN, datetime(2026, 3, 1, 16, 0, tzinfo=UTC)]


def test_the_rest_of_a_day_under_way_is_still_cancelled(schedule: Schedule) -> None:
    """The whole day: its 16:00 goes, its 10:00, under way, runs on."""
    change(schedule, None, ScheduleException.Action.CANCEL)

    assert starts(schedule.listing) == [BEGUN]
