"""Review (session 17): the clock a retired date's waiting list is closed by. `sync.retire`
stamped the entries it closed with the server's clock instead of the `now` its callers (a
host's change, a listing's new time zone, the hourly run) make every other write at."""

from datetime import date, timedelta

import pytest

from outings.bookings.models import WaitlistEntry
from outings.catalog.models import Listing
from outings.catalog.tests.factories import UserFactory
from outings.scheduling import services
from outings.scheduling.models import Slot
from outings.scheduling.tests.test_review_session17_capacity import NOW, listing, one_date

__all__ = ["listing"]  # a fixture

pytestmark = pytest.mark.django_db


def waiting_on(slot: Slot) -> WaitlistEntry:
    """Someone waiting for a seat on `slot` (its seats freed while the listing was paused)."""
    return WaitlistEntry.objects.create(
        slot=slot, guest=UserFactory.create(), seats=2, created_at=NOW, updated_at=NOW
    )


def test_a_removed_rules_dates_close_their_waiting_lists_at_the_callers_now(
    listing: Listing,
) -> None:
    """delete_schedule retires the rule's unbooked dates; whoever waits on one is told and the
    entry closed, stamped with the `now` the change was made at, not the server's clock (every
    other write of the change uses `now`; a run replayed or tested at another instant wrote
    two different times)."""
    schedule = one_date(listing)
    entry = waiting_on(Slot.objects.get(schedule=schedule))

    services.delete_schedule(host=listing.host, schedule_id=schedule.pk, now=NOW)

    entry.refresh_from_db()
    assert (entry.status, entry.updated_at) == (WaitlistEntry.Status.CLOSED, NOW)


def test_a_cancelled_days_date_closes_its_waiting_list_at_the_callers_now(
    listing: Listing,
) -> None:
    schedule = one_date(listing)
    slot = Slot.objects.get(schedule=schedule)
    entry = waiting_on(slot)
    later = NOW + timedelta(hours=1)

    services.add_schedule_exception(
        host=listing.host,
        schedule_id=schedule.pk,
        day=date(2026, 6, 3),
        start_time=None,
        action="cancel",
        new_time=None,
        now=later,
    )

    entry.refresh_from_db()
    assert (entry.status, entry.updated_at) == (WaitlistEntry.Status.CLOSED, later)
    assert Slot.objects.get(pk=slot.pk).status == Slot.Status.CANCELLED
