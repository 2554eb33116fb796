"""Review (session 24): the "New listing" and "Add a schedule" forms sent twice at once (a double
click: the second submission arrives while the first is still in its transaction). The second
waits for the first's token (on the unique index; for a rule, on the listing's lock before it)
and then answers with what the first one made. The controls without a token show the race: two
drafts; for a rule, the second refused as an overlap of the first."""

import threading
from collections.abc import Callable
from datetime import date, time
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from outings.catalog import services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.formtokens import AlreadySent
from outings.common.tests.connections import in_thread, until_waiting_or_done
from outings.hosting.tests.fixtures import listing_data
from outings.scheduling import services as scheduling
from outings.scheduling.models import Schedule
from outings.scheduling.rules import ScheduleData, ScheduleOverlap

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories", "nudges"),
]


def _twice_at_once(make: Callable[[], Any]) -> dict[str, Any]:
    created, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> Any:
        with transaction.atomic():  # the first submission's transaction, kept open
            made = make()
            created.set()
            release.wait(timeout=20)
        return made

    holder = in_thread(outcome, "first", first)
    assert created.wait(timeout=10), outcome.get("first")
    second = in_thread(outcome, "second", make)
    until_waiting_or_done(second)
    release.set()
    second.join(timeout=10)
    holder.join(timeout=10)
    return outcome


def _new_draft(form_token: str | None) -> Callable[[], Listing]:
    host = HostProfileFactory.create()
    return lambda: services.create_listing(
        host=host, data=listing_data(), actor=host.user, form_token=form_token
    )


def _new_rule(form_token: str | None) -> Callable[[], Schedule]:
    listing = ListingFactory.create()
    data = ScheduleData(
        weekdays=[0], start_times=[time(10)], valid_from=date(2031, 2, 3), capacity=5
    )
    return lambda: scheduling.create_schedule(
        host=listing.host,
        listing_id=listing.pk,
        data=data,
        now=timezone.now(),
        form_token=form_token,
    )


def test_the_second_of_two_at_once_answers_with_the_first_draft():
    outcome = _twice_at_once(_new_draft("the-token"))

    first = outcome["first"]
    assert isinstance(first, Listing), first
    assert isinstance(outcome["second"], AlreadySent), outcome["second"]
    assert outcome["second"].made_id == first.pk
    assert list(Listing.objects.values_list("pk", flat=True)) == [first.pk]


def test_without_a_token_the_race_makes_two_drafts():
    # The negative control: the test sees the race the token closes.
    outcome = _twice_at_once(_new_draft(None))

    assert isinstance(outcome["second"], Listing), outcome["second"]
    assert Listing.objects.count() == 2


def test_the_second_rule_of_two_at_once_answers_with_the_first():
    outcome = _twice_at_once(_new_rule("the-token"))

    first = outcome["first"]
    assert isinstance(first, Schedule), first
    assert isinstance(outcome["second"], AlreadySent), outcome["second"]
    assert outcome["second"].made_id == first.pk
    assert list(Schedule.objects.values_list("pk", flat=True)) == [first.pk]


def test_without_a_token_the_second_rule_is_refused_as_an_overlap():
    # The control: the page answered this refusal (409) to the host's double click.
    outcome = _twice_at_once(_new_rule(None))

    assert isinstance(outcome["second"], ScheduleOverlap), outcome["second"]
    assert Schedule.objects.count() == 1
