"""An optional body left out and an empty JSON object are one request to the idempotency keys:
a client retrying a cancel with the same Idempotency-Key, once with no body and once with `{}`,
gets the first answer, not 422 idempotency_key_reused (session 19)."""

from typing import Any

import pytest
from django.test import Client

from outings.api.models import IdempotencyKey
from outings.api.tests.bookings.support import JSON, confirmed, state
from outings.api.tests.helpers import error_of
from outings.bookings.models import Booking
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def cancel_without_body(client: Client, reference: str, key: str) -> Any:
    # What `curl -X POST` sends: no body and no Content-Type.
    return client.generic(
        "POST", f"/api/v1/bookings/{reference}/cancel", headers={"Idempotency-Key": key}
    )


def cancel_with(client: Client, reference: str, key: str, body: str) -> Any:
    return client.generic(
        "POST",
        f"/api/v1/bookings/{reference}/cancel",
        body,
        content_type=JSON,
        headers={"Idempotency-Key": key},
    )


def test_a_cancel_retried_with_an_empty_object_replays_the_one_sent_without_a_body(a, slot):
    reference = confirmed(a, slot)

    first = cancel_without_body(a, reference, "cancel-1")
    again = cancel_with(a, reference, "cancel-1", "{}")

    assert first.status_code == 200, first.content
    assert again.status_code == 200, again.content
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Booking.objects.get(reference=reference).status == Booking.Status.CANCELLED
    assert IdempotencyKey.objects.filter(key="cancel-1").count() == 1


def test_a_cancel_retried_without_a_body_replays_the_one_sent_with_an_empty_object(a, slot):
    reference = confirmed(a, slot)

    first = cancel_with(a, reference, "cancel-1", " { } ")
    again = cancel_without_body(a, reference, "cancel-1")

    assert first.status_code == 200, first.content
    assert again.status_code == 200, again.content
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"


def test_an_empty_body_is_still_another_request_than_a_body_that_says_something(a, slot):
    reference = confirmed(a, slot)
    cancel_without_body(a, reference, "cancel-1")
    before = state()

    response = cancel_with(a, reference, "cancel-1", '{"expected_refund": 0}')

    assert response.status_code == 422
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert state() == before
    assert Slot.objects.get(pk=slot.pk).seats_taken == 0


@pytest.mark.parametrize(("first", "retry"), [("null", "{}"), ("null", None), ("{}", "null")])
def test_a_null_body_is_the_same_request_as_none_and_as_an_empty_object(a, slot, first, retry):
    """ninja reads an optional body of `null` as none given, as it reads `{}` and no body."""
    reference = confirmed(a, slot)

    def send(body: str | None) -> Any:
        if body is None:
            return cancel_without_body(a, reference, "cancel-1")
        return cancel_with(a, reference, "cancel-1", body)

    answered, again = send(first), send(retry)

    assert (answered.status_code, again.status_code) == (200, 200), again.content
    assert again.content == answered.content
    assert again["Idempotent-Replayed"] == "true"
