"""Review (scheduling code health, session 15): the paths that make a listing's dates outside the
schedule services, the listing admin and the importer, measured against the services. Each test
proves one defect; its docstring says what was seen."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from outings.bookings.tests.test_review_session14 import save_listing_in_admin, staff_client
from outings.catalog.importers.writer import Writer
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.scheduling import services
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.rules import ScheduleData
from outings.scheduling.tests.support import stored

pytestmark = pytest.mark.django_db

__all__ = ["staff_client"]  # a fixture

TORONTO = ZoneInfo("America/Toronto")


def local_today() -> date:
    return timezone.now().astimezone(TORONTO).date()


def local_starts(listing: Listing) -> list[datetime]:
    slots = Slot.objects.filter(listing=listing, status=Slot.Status.OPEN).order_by("starts_at")
    return [start.astimezone(TORONTO) for start in slots.values_list("starts_at", flat=True)]


def test_staff_clearing_a_duration_that_would_make_starts_overlap_get_the_reason_on_the_form(
    staff_client: Client,
) -> None:
    """Bug: a listing without a duration has dates of an hour (Listing.slot_minutes), but the
    admin form took a cleared duration for one refused on its field and did not try the change
    on the dates first, so a rule at 10:00 and 10:45 of a 45-minute listing made the save raise
    ScheduleOverlap: a 500. Expected: the refusal on the form, as for any other new duration,
    and nothing changed."""
    listing = ListingFactory.create(duration_minutes=45)
    first = local_today() + timedelta(days=2)
    services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=list(range(7)),
            start_times=[time(10), time(10, 45)],
            valid_from=first,
            valid_until=first + timedelta(days=6),
            capacity=8,
        ),
        now=timezone.now(),
    )
    before = stored(Listing, Schedule, Slot)

    page = save_listing_in_admin(staff_client, listing, duration_minutes="")

    assert "overlap: the listing lasts 60 minutes" in page
    assert stored(Listing, Schedule, Slot) == before


def test_an_import_leaves_the_days_a_host_cancelled_or_moved_as_they_are() -> None:
    """Bug: an imported listing handed to a host (staff set its host; an import keeps that
    edit) keeps its demo schedule, and the host may cancel a day of it or move a start. The next
    import added the missing slots of the rule as if it had no exceptions (Writer.materialise_
    slots expanded the bare rule), so the cancelled day was on sale again, and the moved start
    was on sale at its old time too, next to its new one. Expected: an import adds only the
    dates the schedule wants, exceptions applied, as the hourly run does."""
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), source="toronto", source_id="evt1", is_demo=True
    )
    today = local_today()
    schedule = Schedule.objects.create(
        listing=listing,
        is_demo=True,
        weekdays=list(range(7)),
        start_times=[time(10)],
        valid_from=today + timedelta(days=1),
        valid_until=today + timedelta(days=7),
        capacity=8,
    )
    assert Writer(today=today).materialise_slots("toronto") == 7
    cancelled, moved = today + timedelta(days=3), today + timedelta(days=4)
    for day, action, new_time in [
        (cancelled, ScheduleException.Action.CANCEL, None),
        (moved, ScheduleException.Action.MOVE, time(14)),
    ]:
        services.add_schedule_exception(
            host=listing.host,
            schedule_id=schedule.pk,
            day=day,
            start_time=None if new_time is None else time(10),
            action=action,
            new_time=new_time,
            now=timezone.now(),
        )
    wanted = local_starts(listing)
    assert datetime.combine(cancelled, time(10), TORONTO) not in wanted
    assert datetime.combine(moved, time(14), TORONTO) in wanted

    assert Writer(today=today).materialise_slots("toronto") == 0

    assert local_starts(listing) == wanted
