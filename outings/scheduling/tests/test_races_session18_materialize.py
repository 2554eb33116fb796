"""The hourly run (materialize_schedules) reaches a rule while staff give it to another listing in
the schedule admin (its `listing` field), at that instant.

The run locked each rule with its listing in one statement (a JOIN, FOR UPDATE OF the rule
only). Under READ COMMITTED, PostgreSQL rechecks a row that changed while the lock waited
against the rows of the other tables the statement had already read: the rule, now another
listing's, no longer joined the old listing's row and dropped out of the result, and the run
passed it over as "deleted meanwhile": no dates made for it until the next run. The lock is
still taken with the JOIN (the run reads every rule's listing; a statement more per rule would
cost the run more than this rare case), and a rule that read as gone is read again: its lock is
held by then, and the second statement sees the rule as it now is."""

from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from django.db import transaction

from outings.catalog.tests.factories import ListingFactory
from outings.common.tests.connections import in_thread, until_waiting
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.services import SyncResult, materialize_schedules
from outings.scheduling.tests.test_slots import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)


def weekly_rule() -> Schedule:
    listing = ListingFactory.create(time_zone="America/Toronto")
    return Schedule.objects.create(
        listing=listing,
        weekdays=[0],
        start_times=[time(10)],
        valid_from=date(2026, 11, 1),
        capacity=12,
    )


def run_while(change: Callable[[], object]) -> Any:
    """The hourly run (a week ahead of MONDAY) while `change` (staff's save in the schedule
    admin) holds the rule's row; the change commits while the run waits for it."""
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the schedule admin's save: the row locked until it commits
        change()
        run = in_thread(outcome, "run", lambda: materialize_schedules(now=MONDAY, horizon_days=6))
        until_waiting(1)
    run.join(timeout=10)
    return outcome["run"]


def test_a_rule_given_to_another_listing_while_the_run_waits_gets_its_dates():
    rule = weekly_rule()
    other = ListingFactory.create(time_zone="America/Toronto")

    ran = run_while(lambda: Schedule.objects.filter(pk=rule.pk).update(listing=other))

    assert ran == SyncResult(created=1, removed=0, kept_booked=0), ran
    assert list(Slot.objects.values_list("listing_id", "schedule_id")) == [(other.pk, rule.pk)]


def test_a_rule_deleted_while_the_run_waits_is_passed_over():
    rule = weekly_rule()

    ran = run_while(lambda: Schedule.objects.filter(pk=rule.pk).delete())

    assert ran == SyncResult(created=0, removed=0, kept_booked=0), ran
    assert not Slot.objects.exists()
