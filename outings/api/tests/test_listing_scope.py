"""The host API's schedule and slot writes name the listing in their path, and the services
look the rule, exception or date up on that listing only (and an exception on the rule in the
path): one of another of the host's own listings, or of another rule, is `404 not_found` in the
error shape, and nothing changes."""

from collections.abc import Callable
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.api.tests.helpers import error_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, SlotFactory
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.tests.support import stored

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

BASE = "/api/v1/host/listings"
RULE: dict[str, Any] = {
    "weekdays": [0, 1, 2, 3, 4, 5, 6],
    "start_times": ["10:00"],
    "valid_from": "2031-01-06",
    "valid_until": "2031-01-12",
    "capacity": 6,
}


@pytest.fixture
def host(db: Any) -> HostProfile:
    return HostProfileFactory.create()


@pytest.fixture
def api(host: HostProfile, token_for: Callable[[User], str]) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(host.user)}"})


@pytest.fixture
def listing(host: HostProfile) -> Listing:
    """Listing A: the one in the path."""
    return ListingFactory.create(host=host, status=Listing.Status.DRAFT)


@pytest.fixture
def other(host: HostProfile) -> Listing:
    """Listing B: another listing of the same host, with a rule, an exception and a date."""
    other = ListingFactory.create(host=host, status=Listing.Status.DRAFT)
    rule = Schedule.objects.create(
        listing=other,
        weekdays=RULE["weekdays"],
        start_times=[time(10)],
        valid_from=date(2031, 1, 6),
        valid_until=date(2031, 1, 12),
        capacity=6,
    )
    ScheduleException.objects.create(schedule=rule, day=date(2031, 1, 7), action="cancel")
    SlotFactory.create(listing=other, starts_at=timezone.now() + timedelta(days=9))
    return other


def state() -> dict[str, list[Any]]:
    return stored(Schedule, ScheduleException, Slot)


def _call(api: Client, method: str, path: str, body: dict[str, Any] | None) -> Any:
    send = getattr(api, method.lower())
    if body is None:
        return send(path)
    return send(path, body, content_type="application/json")


# (method, path under listing A with B's things, body)
Request = tuple[str, str, dict[str, Any] | None]
REQUESTS: dict[str, Callable[[Listing, Schedule, ScheduleException, Slot], Request]] = {
    "replace a rule": lambda a, rule, exception, slot: (
        "PUT",
        f"{BASE}/{a.pk}/schedules/{rule.pk}",
        {**RULE, "capacity": 3, "version": rule.version},
    ),
    "delete a rule": lambda a, rule, exception, slot: (
        "DELETE",
        f"{BASE}/{a.pk}/schedules/{rule.pk}",
        None,
    ),
    "add an exception": lambda a, rule, exception, slot: (
        "POST",
        f"{BASE}/{a.pk}/schedules/{rule.pk}/exceptions",
        {"day": "2031-01-08", "action": "cancel"},
    ),
    "undo an exception": lambda a, rule, exception, slot: (
        "DELETE",
        f"{BASE}/{a.pk}/schedules/{rule.pk}/exceptions/{exception.pk}",
        None,
    ),
    "change a date's capacity": lambda a, rule, exception, slot: (
        "PATCH",
        f"{BASE}/{a.pk}/slots/{slot.pk}",
        {"capacity": 4, "version": slot.version},
    ),
    "cancel a date": lambda a, rule, exception, slot: (
        "POST",
        f"{BASE}/{a.pk}/slots/{slot.pk}/cancel",
        {"reason": "Storm."},
    ),
}


@pytest.mark.parametrize("name", REQUESTS)
def test_a_rule_exception_or_date_of_the_hosts_other_listing_is_404(
    api: Client, listing: Listing, other: Listing, name: str
) -> None:
    rule = Schedule.objects.get(listing=other)
    method, path, body = REQUESTS[name](
        listing, rule, ScheduleException.objects.get(), Slot.objects.get()
    )
    before = state()

    response = _call(api, method, path, body)

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert state() == before


def test_an_exception_of_another_rule_under_a_rules_path_is_404(
    api: Client, other: Listing
) -> None:
    rule = Schedule.objects.get(listing=other)
    second = Schedule.objects.create(
        listing=other,
        weekdays=[0],
        start_times=[time(15)],
        valid_from=date(2031, 1, 6),
        valid_until=date(2031, 1, 12),
        capacity=6,
    )
    before = state()

    response = api.delete(
        f"{BASE}/{other.pk}/schedules/{second.pk}/exceptions/{rule.exceptions.get().pk}"
    )

    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert state() == before


@pytest.mark.parametrize("name", REQUESTS)
def test_under_its_own_listing_it_is_done(api: Client, other: Listing, name: str) -> None:
    rule = Schedule.objects.get(listing=other)
    method, path, body = REQUESTS[name](
        other, rule, ScheduleException.objects.get(), Slot.objects.get()
    )
    before = state()

    response = _call(api, method, path, body)

    assert response.status_code in {200, 201, 204}, response.content
    assert state() != before
