"""A JSON body is read only when it says it is JSON, and then strictly: each name once, UTF-8.
Session 16's review: a hold sent as text/plain, as a form or with no Content-Type was booked (the
body parsed as JSON whatever it said it was), `{"seats": 1, "seats": 5}` booked 5 seats (the last
one silently won), and a body in UTF-16 was booked where docs/api.md promised a 400."""

import json
from typing import Any

import pytest
from django.test import Client

from outings.api.main import api
from outings.api.tests.bookings.support import JSON, state
from outings.api.tests.helpers import error_of
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def hold(client: Client, body: bytes | str, content_type: str | None, key: str = "k-1") -> Any:
    # `generic`: the test client's post() would give a missing Content-Type one.
    return client.generic(
        "POST",
        "/api/v1/bookings",
        body,
        content_type=content_type,
        headers={"Idempotency-Key": key},
    )


def seats(slot: Slot, n: int = 2) -> str:
    return json.dumps({"slot_id": slot.pk, "seats": n})


@pytest.mark.parametrize(
    ("content_type", "form"),
    [
        ("text/plain", False),
        ("text/plain;charset=UTF-8", False),
        ("application/x-www-form-urlencoded", False),
        ("application/x-www-form-urlencoded", True),
        ("multipart/form-data; boundary=x", False),
        ("application/jsonp", False),
        (None, False),
    ],
)
def test_a_body_that_does_not_say_it_is_json_is_a_415_and_changes_nothing(
    a, slot, content_type, form
):
    before = state()
    body = f"slot_id={slot.pk}&seats=2" if form else seats(slot)

    refused = hold(a, body, content_type)
    after = state()
    retried = hold(a, seats(slot), JSON)

    assert refused.status_code == 415
    assert error_of(refused) == {
        "code": "unsupported_media_type",
        "message": "The request body must be JSON.",
        "fields": {"header.Content-Type": ["Send the body as application/json."]},
    }
    assert after == before
    # Refused before the key was claimed: the same key then books, and is no replay.
    assert retried.status_code == 201
    assert retried.get("Idempotent-Replayed") is None


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ],
)
def test_a_body_declared_as_json_is_read(a, slot, content_type):
    response = hold(a, seats(slot, 3), content_type)

    assert response.status_code == 201, response.content
    assert response.json()["seats"] == 3


def test_a_415_speaks_the_request_language(a, guest_a):
    response = a.patch(
        "/api/v1/me",
        '{"first_name": "Grace"}',
        content_type="text/plain",
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 415
    assert error_of(response) == {
        "code": "unsupported_media_type",
        "message": "Der Inhalt der Anfrage muss JSON sein.",
        "fields": {"header.Content-Type": ["Sende den Inhalt als application/json."]},
    }
    guest_a.refresh_from_db()
    assert guest_a.first_name == "Ada"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"slot_id": SLOT, "seats": 1, "seats": 5}', "body.payload.seats"),
        ('{"seats": 1, "slot_id": SLOT, "slot_id": SLOT}', "body.payload.slot_id"),
        ('{"slot_id": SLOT, "seats": {"n": 1, "n": 5}}', "body.payload.seats.n"),
        ('{"slot_id": SLOT, "seats": [1, {"n": 1, "n": 5}]}', "body.payload.seats.1.n"),
    ],
)
def test_a_name_given_twice_is_a_400_that_names_it_and_changes_nothing(a, slot, body, field):
    """RFC 8259 leaves a name given twice to the reader (most keep the last, some the first);
    the two readers between a client and a booking may disagree, so neither is guessed."""
    before = state()

    response = hold(a, body.replace("SLOT", str(slot.pk)), JSON)

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "validation_error",
        "message": "The request is not valid.",
        "fields": {field: ["Given more than once."]},
    }
    assert state() == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_body_that_is_not_utf8_is_a_400_and_changes_nothing(a, slot, encoding):
    before = state()

    response = hold(a, seats(slot).encode(encoding), JSON)

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert state() == before


def test_a_utf8_body_may_start_with_a_byte_order_mark(a, slot):
    """RFC 8259, 8.1: a reader may ignore it; ninja's reader did, and so do we."""
    response = hold(a, b"\xef\xbb\xbf" + seats(slot).encode(), JSON)

    assert response.status_code == 201, response.content


def test_every_json_body_is_named_payload():
    """A name given twice is reported under `body.payload.`, the name ninja's own errors give a
    body's fields: the JSON reader cannot see the handler's argument, so it relies on this."""
    names = {
        model.__read_from_single_attr__
        for router in api._get_bound_routers()
        for view in router.path_operations.values()
        for operation in view.operations
        for model in operation.models
        if model.__ninja_param_source__ == "body"
    }

    assert names == {"payload"}
