"""Review (session 19): a host's change of a rule that its removal deletes at that moment (a
double click on "Remove this schedule", or a day cancelled in one tab while the rule is removed
in another, or staff's delete in the admin). The change found the rule, waited for the
listing's row lock, which the removal holds until it commits, and then read the rule with
`.get()`: Schedule.DoesNotExist, a 500. It is now NotFound (404 not_found; the schedules page
says the rule is no longer there), and nothing changes."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from outings.common.errors import NotFound
from outings.common.tests.connections import in_thread, until_waiting_or_done
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.services import add_schedule_exception, delete_schedule
from outings.scheduling.tests.test_review_session16_admin import a_rules_date

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]


def _cancel_its_day(slot: Slot) -> Callable[[], Any]:
    day = slot.starts_at.date()
    return lambda: add_schedule_exception(
        host=slot.listing.host,
        listing_id=slot.listing_id,
        schedule_id=slot.schedule_id or 0,
        day=day,
        start_time=None,
        action=ScheduleException.Action.CANCEL,
        new_time=None,
        now=timezone.now(),
    )


def _remove_it_again(slot: Slot) -> Callable[[], Any]:
    return lambda: delete_schedule(
        host=slot.listing.host,
        listing_id=slot.listing_id,
        schedule_id=slot.schedule_id or 0,
        now=timezone.now() + timedelta(seconds=1),
    )


CHANGES = {"cancel its day": _cancel_its_day, "remove it again": _remove_it_again}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_of_a_rule_removed_meanwhile_is_not_found(change: str) -> None:
    slot = a_rules_date()
    work = CHANGES[change](slot)
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the removal: the listing locked until it commits
        delete_schedule(
            host=slot.listing.host, schedule_id=slot.schedule_id or 0, now=timezone.now()
        )
        thread = in_thread(outcome, "change", work)
        until_waiting_or_done(thread)
    thread.join(timeout=10)

    assert isinstance(outcome["change"], NotFound), outcome["change"]
    assert not Schedule.objects.exists()
    assert not ScheduleException.objects.exists()
    assert not Slot.objects.exists()
