"""Review of scheduling (session 20): a rule's cancelled date keeps its times.

A cancelled date is the record of its cancelled bookings: its guests were told and refunded
at the times it had. A date made by hand keeps them when the listing's duration changes
(session 12); a rule's had its end moved with the rule's open dates, though the sync says
cancelled slots are left as they are."""

from datetime import time, timedelta

import pytest

from outings.bookings import services as bookings
from outings.scheduling import services
from outings.scheduling.models import Slot
from outings.scheduling.rules import ScheduleData
from outings.scheduling.tests.test_review_offer import _edit, listing
from outings.scheduling.tests.test_review_session12 import NOW, WEDNESDAY_10

__all__ = ["listing"]

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]


def test_a_cancelled_date_of_a_rule_keeps_its_times_when_the_duration_changes(listing):
    services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            kind="once", start_times=[time(10)], valid_from=WEDNESDAY_10.date(), capacity=8
        ),
        now=NOW,
    )
    date = Slot.objects.get(listing=listing)
    bookings.cancel_slot(host=listing.host, slot_id=date.pk, reason="Storm", now=NOW)

    _edit(listing, duration_minutes=120)

    date.refresh_from_db()
    assert (date.status, date.starts_at) == (Slot.Status.CANCELLED, WEDNESDAY_10)
    assert date.ends_at == WEDNESDAY_10 + timedelta(minutes=90)
