"""Review (session 23): a listing's meeting point moved to another time zone keeps each date to
come at its wall-clock start in the new zone. A weekly rule's date due soon could so land before
now (Halifax to Santiago de Chile puts a January 09:00 an hour earlier; at 08:30 Halifax time it
had begun), and it went without a word: the host, whose page had just listed it, never learnt
that it would not take place. Session 22 refused the move for a one-off date and one made by
hand; a weekly rule's date is now refused the same way, named, and nothing changes: the host
cancels it first (one click) or keeps the zone until it has passed."""

from datetime import date, time, timedelta

import pytest

from outings.catalog.models import Listing
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData, SlotWouldPass
from outings.scheduling.services import create_schedule
from outings.scheduling.tests.test_review_session21_zone_move import _halifax_listing
from outings.scheduling.tests.test_review_session22_zone_past import (
    MESSAGE,
    NINE,
    NOW,
    _moved_to_santiago,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]


def _weekly(listing: Listing, start: time) -> Schedule:
    """Every Tuesday (January 12, 2027 is one) at `start`, from that day on."""
    return create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind=Schedule.Kind.WEEKLY,
            weekdays=[1],
            start_times=[start],
            valid_from=date(2027, 1, 12),
            valid_until=date(2027, 2, 9),
            capacity=6,
        ),
        now=NOW - timedelta(days=1),
    )


def test_it_refuses_a_new_zone_that_would_put_a_weekly_rules_date_in_the_past() -> None:
    listing = _halifax_listing()
    schedule = _weekly(listing, time(9, 0))
    assert Slot.objects.filter(schedule=schedule, starts_at=NINE).exists()
    before = list(Slot.objects.filter(listing=listing).order_by("pk").values())

    with pytest.raises(SlotWouldPass) as refused:
        _moved_to_santiago(listing)

    assert refused.value.fields == {"latitude": [MESSAGE]}
    listing.refresh_from_db()
    assert listing.time_zone == "America/Halifax"
    assert list(Slot.objects.filter(listing=listing).order_by("pk").values()) == before


def test_a_weekly_rules_date_that_stays_to_come_moves() -> None:
    """The control: at 10:00 the rule's date is still to come in Santiago (13:00 UTC)."""
    listing = _halifax_listing()
    schedule = _weekly(listing, time(10, 0))

    _moved_to_santiago(listing)

    listing.refresh_from_db()
    assert listing.time_zone == "America/Santiago"
    first = Slot.objects.filter(schedule=schedule).order_by("starts_at").first()
    assert first is not None
    assert (first.starts_at, first.status) == (NINE, Slot.Status.OPEN)
