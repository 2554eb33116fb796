"""Review (session 23, afternoon): the minimum's cut-off run read the clock once for all its
dates. decide_minimums lists up to 500 dates due and decides each in its own transaction, after
waiting for the locks of its bookings and the date; the guard that leaves a date under way alone
(decide_minimum: `slot.starts_at <= now`) compared the date's start with the time the run
began. A date whose start passed while the run waited for its lock (a guest's booking, the
host's edit of it) was still cancelled "for too few guests" once under way. Proved on the real
clock: the date starts two seconds after the run lists it and its row is held by another
session until a moment after its start. Now the run reads the clock once the date's locks are
held. Personas: conftest.py."""

import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from outings.bookings import tasks
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.common.tests.connections import in_thread, until_waiting
from outings.scheduling.models import Slot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]


def test_a_date_that_starts_while_the_run_waits_for_it_is_not_cancelled(listing: Listing) -> None:
    Listing.objects.filter(pk=listing.pk).update(min_guests=4, min_guests_cutoff_hours=48)
    starts = timezone.now() + timedelta(seconds=2)
    soon = SlotFactory.create(
        listing=listing, starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    later = SlotFactory.create(listing=listing, starts_at=starts + timedelta(hours=24))
    outcome: dict[str, Any] = {}

    with transaction.atomic():
        Slot.objects.select_for_update().get(pk=soon.pk)  # another session's edit of the date
        run = in_thread(outcome, "run", tasks.decide_minimums)
        until_waiting(1)
        time.sleep(max(0.0, (starts - timezone.now()).total_seconds()) + 0.2)
    run.join(timeout=30)

    assert outcome["run"] is None
    soon.refresh_from_db()
    assert (soon.status, soon.minimum_checked_at) == (Slot.Status.OPEN, None)
    # The control: the same run still cancels a date to come below its minimum.
    later.refresh_from_db()
    assert later.status == Slot.Status.CANCELLED
