"""Review (session 18): POST /bookings/{reference}/transfer mailed any address, as often as the
caller liked. Over a guest's limits an offer is refused in the error shape and changes nothing:
409 transfer_limit for a booking offered BOOKINGS_TRANSFERS_PER_BOOKING times (it never lifts),
429 throttled with Retry-After past BOOKINGS_TRANSFERS_PER_DAY offers in 24 hours."""

from typing import Any

import pytest
from django.test import Client

from outings.api.tests.bookings.support import confirmed, post, state
from outings.api.tests.helpers import error_of
from outings.bookings.models import Transfer
from outings.catalog.tests.factories import SlotFactory

pytestmark = pytest.mark.django_db


def test_a_fourth_offer_of_a_booking_is_a_409(a: Client, slot: Any) -> None:
    reference = confirmed(a, slot)
    path = f"/bookings/{reference}/transfer"
    first = post(a, path, {"to_email": "frend@example.org"})
    corrected = post(a, path, {"to_email": "friend@example.org"})
    third = post(a, path, {"to_email": "other@example.org"})
    before = state()

    refused = post(a, path, {"to_email": "stranger@example.org"})

    assert [first.status_code, corrected.status_code, third.status_code] == [202, 202, 202]
    assert refused.status_code == 409
    assert refused.get("Retry-After") is None  # it never lifts
    assert error_of(refused) == {
        "code": "transfer_limit",
        "message": "This booking has been offered to someone else too many times; it cannot be "
        "offered again.",
        "fields": {},
    }
    assert state() == before
    assert Transfer.objects.get(status=Transfer.Status.PENDING).to_email == "other@example.org"


def test_an_offer_over_the_days_limit_is_a_429_and_a_retry_after_the_wait_acts(
    a: Client, listing: Any, settings: Any
) -> None:
    """With an Idempotency-Key, the refusal is not kept as the key's answer: it says "retry
    later", and the retry with the same key must act, not replay the 429."""
    settings.BOOKINGS_TRANSFERS_PER_DAY = 1
    roomy = SlotFactory.create(listing=listing, capacity=20)
    offered, refused_one = confirmed(a, roomy, 1), confirmed(a, roomy, 1)
    first = post(a, f"/bookings/{offered}/transfer", {"to_email": "f@example.org"})
    assert first.status_code == 202
    before = state()
    key = {"Idempotency-Key": "offer-1"}

    refused = post(a, f"/bookings/{refused_one}/transfer", {"to_email": "s@example.org"}, key)

    assert refused.status_code == 429
    assert 86390 <= int(refused["Retry-After"]) <= 86400
    assert error_of(refused) == {
        "code": "throttled",
        "message": "You have offered bookings to too many addresses in the last 24 hours. Try "
        "again later.",
        "fields": {},
    }
    assert state() == before

    settings.BOOKINGS_TRANSFERS_PER_DAY = 2  # as if the day had passed
    retried = post(a, f"/bookings/{refused_one}/transfer", {"to_email": "s@example.org"}, key)
    assert retried.status_code == 202
    assert retried.json()["to_email"] == "s@example.org"
