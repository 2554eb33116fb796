"""Review (session 24): the "New listing" form sent twice at once (a double click: the second
submission arrives while the first is still in its transaction). The second waits for the
first's token on the unique index and then answers with the first one's draft. The control
without a token shows the race: two drafts."""

import threading
from typing import Any

import pytest
from django.db import transaction

from outings.catalog import services
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory
from outings.common.formtokens import AlreadySent
from outings.common.tests.connections import in_thread, until_waiting_or_done
from outings.hosting.tests.fixtures import listing_data

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("categories", "nudges"),
]


def _twice_at_once(form_token: str | None) -> dict[str, Any]:
    host = HostProfileFactory.create()
    created, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> Listing:
        with transaction.atomic():  # the first submission's transaction, kept open
            listing = services.create_listing(
                host=host, data=listing_data(), actor=host.user, form_token=form_token
            )
            created.set()
            release.wait(timeout=20)
        return listing

    holder = in_thread(outcome, "first", first)
    assert created.wait(timeout=10), outcome.get("first")
    second = in_thread(
        outcome,
        "second",
        lambda: services.create_listing(
            host=host, data=listing_data(), actor=host.user, form_token=form_token
        ),
    )
    until_waiting_or_done(second)
    release.set()
    second.join(timeout=10)
    holder.join(timeout=10)
    return outcome


def test_the_second_of_two_at_once_answers_with_the_first_draft():
    outcome = _twice_at_once("the-token")

    first = outcome["first"]
    assert isinstance(first, Listing), first
    assert isinstance(outcome["second"], AlreadySent), outcome["second"]
    assert outcome["second"].made_id == first.pk
    assert list(Listing.objects.values_list("pk", flat=True)) == [first.pk]


def test_without_a_token_the_race_makes_two_drafts():
    # The negative control: the test sees the race the token closes.
    outcome = _twice_at_once(None)

    assert isinstance(outcome["second"], Listing), outcome["second"]
    assert Listing.objects.count() == 2
