"""Review (session 18): staff adding a date in the admin and the hourly run that makes a rule's
dates, proved with real connections.

Both refuse a date that would be out at the same time as another open date of the listing: the
admin's form (SlotAdminForm._check_clear_of_other_dates) under the listing's row lock, the
hourly run (sync._clear_of_other_groups) under the rule's lock only. Neither saw the other's
date before it committed, and the run did not wait for the listing: the two could each check,
find nothing, and both save, two groups of one listing out at once.

The test makes them meet: a third session holds an undecided date at the start that the first
of the two is about to save (as a staff member's save in progress would), so the first stops at
its INSERT, its check done; the second then runs; the third lets go. The first, holding the
listing's lock, makes the second wait for it, and the second's check then sees the first's date.
Run with each of the two first; the negative control runs the rule's sync as the hourly run did
(the rule locked, not its listing) and must show both dates saved, or the harness could not."""

import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory
from outings.common.tests.connections import in_thread, lock_waiters, other_connection
from outings.scheduling import services
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData
from outings.scheduling.services import sync_schedule_slots

pytestmark = pytest.mark.django_db(transaction=True)

MINUTES = 90
OVERLAP = "the listing runs one group at a time."


@pytest.fixture
def a_rule() -> Schedule:
    """A daily rule at 10:00 (UTC) of a 90-minute listing, its dates made up to the horizon."""
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), time_zone="UTC", duration_minutes=MINUTES
    )
    now = timezone.now()
    return services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=list(range(7)),
            start_times=[clock(10)],
            valid_from=now.date() + timedelta(days=1),
            capacity=8,
        ),
        now=now,
    )


def next_start(rule: Schedule) -> datetime:
    """The start the hourly run makes next: the day after the rule's horizon, at 10:00."""
    day = timezone.now().date() + timedelta(days=settings.SCHEDULE_HORIZON_DAYS + 1)
    start = datetime.combine(day, clock(10), tzinfo=UTC)
    assert not Slot.objects.filter(schedule=rule, starts_at=start).exists()
    return start


def hourly_run() -> Any:
    """The beat task's run, a day further than the rule's dates go."""
    return services.materialize_schedules(
        now=timezone.now(), horizon_days=settings.SCHEDULE_HORIZON_DAYS + 1
    )


def hourly_run_as_before(rule: Schedule) -> Callable[[], Any]:
    """The negative control: the rule's sync as the hourly run did it until session 18, the
    rule locked and not its listing."""

    def run() -> Any:
        with transaction.atomic():
            schedule = Schedule.objects.select_for_update(of=("self",)).get(pk=rule.pk)
            return sync_schedule_slots(
                schedule=schedule,
                now=timezone.now(),
                horizon_days=settings.SCHEDULE_HORIZON_DAYS + 1,
                strict=False,
            )

    return run


def staff_add(listing: Listing, starts: datetime) -> Callable[[], int]:
    """Staff add a 90-minute date of `listing` at `starts` in the admin; the answer's status."""
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    local, ends = timezone.localtime(starts), timezone.localtime(starts + timedelta(minutes=90))
    form = {
        "listing": listing.pk,
        "schedule": "",
        "starts_at_0": f"{local:%Y-%m-%d}",
        "starts_at_1": f"{local:%H:%M:%S}",
        "ends_at_0": f"{ends:%Y-%m-%d}",
        "ends_at_1": f"{ends:%H:%M:%S}",
        "capacity": 8,
    }
    return lambda: client.post(reverse("admin:scheduling_slot_add"), form).status_code


def met(
    listing: Listing,
    first: tuple[str, Callable[[], Any], datetime],
    second: tuple[str, Callable[[], Any]],
) -> dict[str, Any]:
    """Run `first` until it waits at its INSERT of a date at its start (a third session holds
    an undecided date there), then `second` until it ends or waits too; then the third session
    rolls back. What each returned or raised."""
    name, work, start = first
    outcome: dict[str, Any] = {}
    with other_connection() as blocker:
        blocker.execute(
            "INSERT INTO scheduling_slot (listing_id, starts_at, ends_at, capacity, seats_taken,"
            " status, version, own_capacity) VALUES (%s, %s, %s, 8, 0, 'open', 1, false)",
            (listing.pk, start, start + timedelta(minutes=MINUTES)),
        )
        threads = [in_thread(outcome, name, work)]
        wait_for(lambda: lock_waiters() >= 1)
        threads.append(in_thread(outcome, *second))
        wait_for(lambda: not threads[1].is_alive() or lock_waiters() >= 2)
        blocker.rollback()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    return outcome


def wait_for(condition: Callable[[], bool]) -> None:
    """Wait (10 s at most) until `condition` holds."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the sessions never met"
        time.sleep(0.02)


def overlapping(listing: Listing) -> list[tuple[datetime, datetime]]:
    """The listing's open dates that are out at the same time as the one before them."""
    dates = list(
        Slot.objects.filter(listing=listing, status=Slot.Status.OPEN)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
    return [b for a, b in itertools.pairwise(dates) if b[0] < a[1]]


def test_the_hourly_run_first_and_staff_adding_a_date_over_its_start(a_rule: Schedule) -> None:
    start = next_start(a_rule)
    outcome = met(
        a_rule.listing,
        ("run", hourly_run, start),
        ("staff", staff_add(a_rule.listing, start + timedelta(minutes=30))),
    )

    assert not isinstance(outcome["run"], Exception), outcome["run"]
    assert outcome["staff"] == 200  # the form again, with the overlap named
    assert overlapping(a_rule.listing) == []
    assert Slot.objects.filter(listing=a_rule.listing, starts_at=start).exists()


def test_staff_adding_a_date_first_and_the_hourly_run_making_one_over_it(a_rule: Schedule) -> None:
    start = next_start(a_rule)
    added = start + timedelta(minutes=30)
    outcome = met(
        a_rule.listing, ("staff", staff_add(a_rule.listing, added), added), ("run", hourly_run)
    )

    assert outcome["staff"] == 302, outcome["staff"]
    assert not isinstance(outcome["run"], Exception), outcome["run"]
    assert overlapping(a_rule.listing) == []
    assert not Slot.objects.filter(listing=a_rule.listing, starts_at=start).exists()


def test_the_harness_sees_a_run_that_does_not_lock_the_listing(a_rule: Schedule) -> None:
    """Negative control: in the hourly run's place, the rule's sync without its listing's lock.
    Staff's check and the run's each miss the other's date, and both are saved."""
    start = next_start(a_rule)
    added = start + timedelta(minutes=30)
    outcome = met(
        a_rule.listing,
        ("staff", staff_add(a_rule.listing, added), added),
        ("run", hourly_run_as_before(a_rule)),
    )

    assert outcome["staff"] == 302, outcome["staff"]
    assert not isinstance(outcome["run"], Exception), outcome["run"]
    assert overlapping(a_rule.listing) == [(added, added + timedelta(minutes=MINUTES))]
