"""Review (session 20): the POSTs that take no body (confirm, accept, a listing's submit...)
ignored whatever body was sent: `{"seats": 5}` on a confirm confirmed the hold as it was, and a
client never learnt that what it asked was not read. A body there is now read as the routes with
a body read theirs: none, `{}` or `null` is the request without a body; a field is an unknown
one (400 validation_error naming it), a body that is not JSON a 415, and nothing changes."""

import re
from typing import Any

import pytest
from django.test import Client

from outings.api.models import IdempotencyKey
from outings.api.tests.bookings.support import JSON, booked, state
from outings.api.tests.helpers import error_of
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def confirm(client: Client, reference: str, body: bytes | None, **extra: Any) -> Any:
    path = f"/api/v1/bookings/{reference}/confirm"
    if body is None:
        return client.generic("POST", path, **extra)  # what `curl -X POST` sends
    return client.generic("POST", path, body, content_type=extra.pop("content_type", JSON), **extra)


def test_a_confirm_with_a_field_is_refused_naming_it_and_nothing_changes(a, slot):
    reference = booked(a, slot, seats=2)
    before = state()

    response = confirm(a, reference, b'{"seats": 5}')

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["body.payload.seats"]
    assert state() == before
    assert Booking.objects.get(reference=reference).status == Booking.Status.HELD


def test_a_confirm_with_a_body_that_is_not_json_is_a_415_and_nothing_changes(a, slot):
    reference = booked(a, slot)
    before = state()

    response = confirm(a, reference, b"seats=5", content_type="text/plain")

    assert response.status_code == 415, response.content
    assert error_of(response)["code"] == "unsupported_media_type"
    assert state() == before


@pytest.mark.parametrize("body", [None, b"", b"{}", b" { } ", b"null"])
def test_a_confirm_without_a_body_or_with_an_empty_one_confirms(a, slot, body):
    reference = booked(a, slot)

    response = confirm(a, reference, body)

    assert response.status_code == 200, response.content
    assert Booking.objects.get(reference=reference).status == Booking.Status.CONFIRMED


def test_a_confirm_refused_for_its_body_leaves_its_key_free_for_the_right_request(a, slot):
    """Bodies are read before an Idempotency-Key is claimed (outings.api.idempotency)."""
    reference = booked(a, slot)

    refused = confirm(a, reference, b'{"seats": 5}', headers={"Idempotency-Key": "confirm-1"})
    answered = confirm(a, reference, None, headers={"Idempotency-Key": "confirm-1"})
    again = confirm(a, reference, b"{}", headers={"Idempotency-Key": "confirm-1"})

    assert refused.status_code == 400
    assert answered.status_code == 200, answered.content
    assert "Idempotent-Replayed" not in answered
    assert (again.status_code, again["Idempotent-Replayed"]) == (200, "true")
    assert again.content == answered.content
    assert IdempotencyKey.objects.filter(key="confirm-1").count() == 1


def test_a_listing_submitted_with_a_field_is_refused_and_stays_a_draft(x, host_x):
    draft = ListingFactory.create(host=host_x, status=Listing.Status.DRAFT)

    response = x.post(
        f"/api/v1/host/listings/{draft.pk}/submit", {"status": "published"}, content_type=JSON
    )

    assert response.status_code == 400, response.content
    assert list(error_of(response)["fields"]) == ["body.payload.status"]
    draft.refresh_from_db()
    assert draft.status == Listing.Status.DRAFT


def test_every_post_reads_its_body(client, x):
    """Each POST of the API declares a body in its OpenAPI operation, and an unknown field in
    it is refused naming the field (an upload's form is checked by its own rules)."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    posts = [(path, item["post"]) for path, item in paths.items() if "post" in item]
    assert len(posts) > 10

    for path, operation in posts:
        assert "requestBody" in operation, path
        if "application/json" not in operation["requestBody"]["content"]:
            continue  # multipart/form-data
        url = "/api/v1" + re.sub(r"\{[^}]+\}", "1", path.removeprefix("/api/v1"))
        response = x.post(url, {"unknown_field": 1}, content_type=JSON)
        assert response.status_code == 400, (path, response.content)
        assert "body.payload.unknown_field" in error_of(response)["fields"], path


def test_a_confirm_sent_as_an_empty_form_is_a_415_as_a_cancel_is(a, slot):
    """A form is no JSON, even one without fields (what Django's test client posts when given
    no data): refused as on every route that reads a body, rather than read as none."""
    reference = booked(a, slot)
    before = state()

    confirmed = a.post(f"/api/v1/bookings/{reference}/confirm")
    cancelled = a.post(f"/api/v1/bookings/{reference}/cancel")

    assert (confirmed.status_code, cancelled.status_code) == (415, 415)
    assert state() == before
