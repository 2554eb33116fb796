"""Review (scheduling code health, session 15): the paths that make a listing's dates outside the
schedule services, the listing admin and the importer, measured against the services. Each test
proves one defect; its docstring says what was seen."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from outings.bookings.tests.test_review_session14 import save_listing_in_admin, staff_client
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory
from outings.scheduling import services
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData
from outings.scheduling.tests.support import stored

pytestmark = pytest.mark.django_db

__all__ = ["staff_client"]  # a fixture

TORONTO = ZoneInfo("America/Toronto")


def local_today() -> date:
    return timezone.now().astimezone(TORONTO).date()


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
