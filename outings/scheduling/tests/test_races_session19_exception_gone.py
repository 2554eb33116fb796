"""Review (session 19): undoing a date's change (a schedule exception) twice at once, from two
tabs. The second undo found the exception, waited for the listing's row lock, which the first
holds until it commits, then deleted a row that was gone (no error: a DELETE of no row) and
re-materialised the rule: it "succeeded" doing nothing, and the host read "undone" twice. It is
now NotFound (404 not_found in the API; the schedules page says the exception is no longer
there, as it does for an undo that comes after), and nothing changes."""

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from outings.common.errors import NotFound
from outings.common.tests.connections import in_thread, until_waiting_or_done
from outings.scheduling.models import ScheduleException, Slot
from outings.scheduling.services import add_schedule_exception, remove_schedule_exception
from outings.scheduling.tests.support import stored
from outings.scheduling.tests.test_review_session16_admin import a_rules_date

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]


def test_the_second_of_two_undos_at_once_is_not_found() -> None:
    slot = a_rules_date()
    listing, host = slot.listing, slot.listing.host
    exception = add_schedule_exception(
        host=host,
        listing_id=listing.pk,
        schedule_id=slot.schedule_id or 0,
        day=slot.starts_at.date(),
        start_time=None,
        action=ScheduleException.Action.CANCEL,
        new_time=None,
        now=timezone.now(),
    )
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the first undo: the listing locked until it commits
        remove_schedule_exception(
            host=host, listing_id=listing.pk, exception_id=exception.pk, now=timezone.now()
        )
        after_first = stored(ScheduleException, Slot)  # what the first commits
        thread = in_thread(
            outcome,
            "second",
            lambda: remove_schedule_exception(
                host=host, listing_id=listing.pk, exception_id=exception.pk, now=timezone.now()
            ),
        )
        until_waiting_or_done(thread)
    thread.join(timeout=10)

    assert isinstance(outcome["second"], NotFound), outcome["second"]
    assert not ScheduleException.objects.exists()
    assert stored(ScheduleException, Slot) == after_first
