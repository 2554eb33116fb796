"""Review (session 17): the lock order listing -> rule -> date, proved with two real connections.

A host's change of a rule (bookings.services.update_schedule: the listing, the rule, then its
dates to come) and staff's save of one of its dates in the admin (SlotAdminForm._lock: the
listing, the date's rule, then the date) take the same rows. The comments argue that both take
them in that order; if either took the date before the listing, the two would wait for each
other and PostgreSQL would fail one of them ("deadlock detected": a 500).

The test makes them meet: it holds the listing's row from a third session, lets one path run
until it waits for that row, then the other, and lets go. Each has by then taken whatever it
locks before the listing, and the first in the row's queue goes on to the rows behind it: a
path that locks its date first makes the two wait for each other. Run with each path first (a
path taking the date too early deadlocks only when the other one is first in the queue); the
negative control puts a path that takes the date before its listing in staff's place and must
see the deadlock, or the harness could not see one."""

from collections.abc import Callable
from datetime import time as clock
from datetime import timedelta
from typing import Any

import pytest
from django.db import OperationalError, transaction
from django.test import Client
from django.utils import timezone

from outings.bookings import services as bookings
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, UserFactory
from outings.common.tests.connections import met_behind
from outings.scheduling import services
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleData
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form

pytestmark = pytest.mark.django_db(transaction=True)


def met_at_the_listing(
    listing: Listing, first: tuple[str, Callable[[], Any]], second: tuple[str, Callable[[], Any]]
) -> dict[str, Any]:
    """Run `first` until it waits for the listing's row (held here), then `second` until it
    waits too, then let the row go; what each returned or raised."""
    return met_behind(
        lambda: list(
            Listing.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk=listing.pk)
            .values_list("pk", flat=True)
        ),
        first,
        second,
    )


@pytest.fixture
def a_rules_date() -> tuple[Schedule, Slot]:
    """A weekly rule of a listing, and its first date (two days ahead)."""
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), time_zone="Europe/Berlin", duration_minutes=90
    )
    now = timezone.now()
    first_day = (now + timedelta(days=2)).date()
    rule = services.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=ScheduleData(
            weekdays=[first_day.weekday()],
            start_times=[clock(10)],
            valid_from=first_day,
            valid_until=first_day + timedelta(days=20),
            capacity=8,
        ),
        now=now,
    )
    slot = Slot.objects.filter(schedule=rule).order_by("starts_at").first()
    assert slot is not None
    return rule, slot


def hosts_change(rule: Schedule) -> Callable[[], Schedule]:
    """The host adds a weekday to the rule (its dates to come are locked; none changes)."""
    data = ScheduleData(
        weekdays=sorted({*rule.weekdays, (rule.weekdays[0] + 3) % 7}),
        start_times=rule.start_times,
        valid_from=rule.valid_from,
        valid_until=rule.valid_until,
        capacity=rule.capacity,
    )
    return lambda: bookings.update_schedule(
        host=rule.listing.host,
        listing_id=rule.listing_id,
        schedule_id=rule.pk,
        data=data,
        now=timezone.now(),
        expected_version=rule.version,
    )


def staffs_save(slot: Slot) -> Callable[[], int]:
    """Staff set the date's places to 12 in the admin's change form, opened before."""
    client = Client()
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    form = open_form(client, slot)
    return lambda: client.post(change_url(slot), {**form, "capacity": 12}).status_code


@pytest.mark.parametrize("host_first", [True, False])
def test_a_hosts_rule_change_and_staffs_save_of_one_of_its_dates_never_deadlock(
    a_rules_date: tuple[Schedule, Slot], host_first: bool
) -> None:
    rule, slot = a_rules_date
    host = ("host", hosts_change(rule))
    staff = ("staff", staffs_save(slot))

    outcome = met_at_the_listing(rule.listing, *((host, staff) if host_first else (staff, host)))

    assert isinstance(outcome["host"], Schedule), outcome["host"]
    assert outcome["staff"] == 302, outcome["staff"]  # saved: a redirect, not an error page
    rule.refresh_from_db()
    slot.refresh_from_db()
    assert (rule.version, len(rule.weekdays)) == (2, 2)
    # Each committed after the other: staff's 12 on the rule's change, or the rule's change on
    # staff's 12, which it keeps (it leaves the capacity alone; session 18: it set the date
    # back to the rule's 8, wiping staff's places).
    assert (slot.capacity, slot.version) == (12, 2)


def test_the_harness_sees_a_path_that_takes_the_date_before_its_listing(
    a_rules_date: tuple[Schedule, Slot],
) -> None:
    """Negative control: in staff's place, a path that locks the date and then its listing (the
    order the comments rule out). With the host's change first in the listing's queue, the two
    wait for each other, and PostgreSQL fails one of them."""
    rule, slot = a_rules_date

    def date_first() -> None:
        with transaction.atomic():
            list(Slot.objects.select_for_update().filter(pk=slot.pk).values_list("pk"))
            list(
                Listing.objects.select_for_update(of=("self",), no_key=True)
                .filter(pk=rule.listing_id)
                .values_list("pk")
            )

    outcome = met_at_the_listing(
        rule.listing, ("host", hosts_change(rule)), ("misordered", date_first)
    )

    failed = [error for error in outcome.values() if isinstance(error, OperationalError)]
    assert len(failed) == 1, outcome
    assert "deadlock detected" in str(failed[0])
