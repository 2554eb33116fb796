"""Session 18 review of the API platform: what a client developer and a fuzzer found."""

import hashlib
import json
from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from outings.accounts.models import ApiToken
from outings.accounts.services import create_api_token
from outings.api.models import IdempotencyKey
from outings.api.openapi import NO_ETAG_IF_MATCH
from outings.api.tests.helpers import bearer, error_of
from outings.bookings.models import Booking
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import ListingFactory, SlotFactory, category
from outings.scheduling.models import Schedule, ScheduleException

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "head"])
def test_a_304_carries_its_validators_and_no_content_length(client, method):
    """RFC 9110, 15.4.5: a 304 sends the ETag, Cache-Control and Vary a 200 would have; 8.6: it
    must not send a Content-Length other than the 200's (CommonMiddleware added `0`, the length
    of the empty 304, which a client or cache may take for the length of what it holds)."""
    listing = ListingFactory.create()
    url = f"/api/v1/listings/{listing.pk}"
    got = client.get(url)

    response = getattr(client, method)(url, headers={"If-None-Match": got["ETag"]})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == got["ETag"]
    assert response["Cache-Control"] == got["Cache-Control"]
    assert response["Vary"] == got["Vary"]
    assert "Content-Length" not in response
    assert "Content-Type" not in response


def test_a_204_carries_no_content_length(client, guest, guest_token):
    """RFC 9110, 8.6: a server must not send Content-Length in a 204."""
    token = ApiToken.objects.get(user=guest)

    response = client.delete(f"/api/v1/me/tokens/{token.pk}", **bearer(guest_token))

    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Length" not in response
    assert "Content-Type" not in response


@pytest.mark.parametrize(
    ("length", "status"),
    [(str(64 * 1024 + 1), 413), ("lots", 400)],
)
def test_a_body_refused_by_its_length_is_an_error_no_cache_keeps(
    client, guest, guest_token, length, status
):
    """Refused before the view runs (from Content-Length): still an error, so `no-store` as
    every other (docs/api.md, "Caching"); it was sent with no Cache-Control at all."""
    response = client.post(
        "/api/v1/me/tokens",
        data=json.dumps({"name": "x"}),
        content_type="application/json",
        CONTENT_LENGTH=length,
        **bearer(guest_token),
    )

    assert response.status_code == status
    error_of(response)
    assert response["Cache-Control"] == "no-store"
    assert ApiToken.objects.filter(user=guest).count() == 1


FIRST = '{"slot_id": SLOT, "seats": 2}'


def hold(client, token, body, key="retry-1"):
    return client.post(
        "/api/v1/bookings",
        data=body,
        content_type="application/json",
        headers={"Idempotency-Key": key, "Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize(
    "retry",
    [
        '{"seats": 2, "slot_id": SLOT}',  # another order: a JSON object has none (RFC 8259, 4)
        '{"slot_id":SLOT,"seats":2}',  # no spaces
        '\n{ "slot_id" : SLOT ,\n  "seats" : 2 }\n',  # other spaces
        '\ufeff{"slot_id": SLOT, "seats": 2}',  # a byte order mark, which the reader ignores
        '{"slot_id": SLOT, "se\\u0061ts": 2}',  # an escape of the same name
        '{"slot_id": SLOT, "seats": 2.0}',  # the same number (2.0 is read as 2)
    ],
)
def test_a_retry_with_the_same_json_written_otherwise_replays_the_first_answer(
    client, guest, guest_token, retry
):
    """A client that builds its body again for a retry (a dictionary whose order changes from
    one launch of the app to the next, another JSON library) sends the same request: it gets
    the first answer, not 422 `idempotency_key_reused` for a hold it has."""
    slot = SlotFactory.create(capacity=10)
    first = hold(client, guest_token, FIRST.replace("SLOT", str(slot.pk)))

    again = hold(client, guest_token, retry.replace("SLOT", str(slot.pk)).encode())

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Booking.objects.filter(guest=guest).count() == 1
    slot.refresh_from_db()
    assert slot.seats_taken == 2


@pytest.mark.parametrize(
    "retry",
    [
        '{"slot_id": SLOT, "seats": 3}',
        '{"slot_id": SLOT, "seats": "2"}',  # a string is not the number (and is refused anyway)
        '{"slot_id": SLOT, "seats": 2.5}',
    ],
)
def test_a_retry_with_other_json_values_is_still_another_request(client, guest, guest_token, retry):
    slot = SlotFactory.create(capacity=10)
    first = hold(client, guest_token, FIRST.replace("SLOT", str(slot.pk)))

    again = hold(client, guest_token, retry.replace("SLOT", str(slot.pk)).encode())

    assert first.status_code == 201
    assert again.status_code in (400, 422)  # refused as a body, or as another request
    assert again.status_code == 400 or error_of(again)["code"] == "idempotency_key_reused"
    assert Booking.objects.filter(guest=guest).count() == 1
    slot.refresh_from_db()
    assert slot.seats_taken == 2


def test_a_key_recorded_from_the_bytes_of_its_body_still_replays(client, guest, guest_token):
    """Keys recorded before the body was compared as JSON hold the digest of its bytes as sent
    (kept 24 hours): a retry of the same bytes across the deploy is still the first answer."""
    slot = SlotFactory.create(capacity=10)
    body = FIRST.replace("SLOT", str(slot.pk))
    first = hold(client, guest_token, body)
    raw = hashlib.sha256(f"POST\n/api/v1/bookings\n{body}".encode()).hexdigest()
    IdempotencyKey.objects.update(fingerprint=raw)

    again = hold(client, guest_token, body)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert Booking.objects.filter(guest=guest).count() == 1


# Answered before the key is claimed (authentication, CSRF, the body's size and type, the
# throttle), or the key's own refusal: never a replay.
NEVER_REPLAYED = {"401", "403", "413", "415", "422", "429"}


def test_a_replayed_refusal_says_it_is_a_replay_and_the_document_says_it_may(client, guest):
    """A rule's refusal is recorded and replayed with `Idempotent-Replayed: true` as a success
    is (docs/api.md, "Idempotency"), but the document declared the header on successes only:
    a client generated from it could not tell a 409 it caused from the replay of one."""
    secret = create_api_token(user=guest, name="app").secret
    slot = SlotFactory.create(capacity=2, seats_taken=1)  # one seat left, two asked for
    body = FIRST.replace("SLOT", str(slot.pk))
    first = hold(client, secret, body)
    again = hold(client, secret, body)

    assert (first.status_code, again.status_code) == (409, 409)
    assert error_of(again)["code"] == "slot_full"
    assert again["Idempotent-Replayed"] == "true"
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
            if "Idempotency-Key" not in headers:
                continue
            never = set(NEVER_REPLAYED)
            if NO_ETAG_IF_MATCH in operation["parameters"]:
                never.add("412")  # nothing to match (session 21): refused before the key
            for status, answer in operation["responses"].items():
                if status not in never and status != "204":
                    assert "Idempotent-Replayed" in answer.get("headers", {}), (
                        method,
                        path,
                        status,
                    )


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=a b"],
)
def test_a_multipart_body_without_a_valid_boundary_is_a_400_not_a_500(
    client, host_user, token_for, content_type
):
    """Django cannot split such a body into its parts (MultiPartParserError), and the photo
    upload, which reads its fields, answered 500."""
    listing = ListingFactory.create(host=host_user.host_profile)

    response = client.generic(
        "POST",
        f"/api/v1/host/listings/{listing.pk}/photos",
        data=b'--a b\r\nContent-Disposition: form-data; name="alt_text"\r\n\r\nx\r\n--a b--\r\n',
        content_type=content_type,
        headers={"Authorization": f"Bearer {token_for(host_user)}", "Idempotency-Key": "up-1"},
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert not ListingPhoto.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_a_session_write_without_csrf_whose_multipart_body_cannot_be_read_is_a_4xx(guest):
    """Without the X-CSRFToken header Django's CSRF check looks for the token among the form's
    fields, reading the body as the multipart form its Content-Type says: a 500 when it could
    not be split."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(guest)
    client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()  # the site gave one

    response = client.generic(
        "POST",
        "/api/v1/me/tokens",
        data=b"name=x",
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code in (400, 403)
    error_of(response)
    assert ApiToken.objects.filter(user=guest).count() == 0


@pytest.mark.parametrize("value", ['"off"', '"false"', '"no"', "0", "1", '"1"', "1.0"])
def test_an_email_preference_must_be_a_json_boolean(client, guest, guest_token, value):
    """In a JSON body a boolean must be a boolean (docs/api.md, "Errors"): pydantic's lax mode
    took "off", "no", 0 or "1" for one, so a client that sent the wrong type had a topic turned
    off or on by a guess."""
    before = client.get("/api/v1/notifications/email-preferences", **bearer(guest_token)).json()

    response = client.patch(
        "/api/v1/notifications/email-preferences",
        data=f'{{"bookings": {value}}}',
        content_type="application/json",
        **bearer(guest_token),
    )

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"body.payload.bookings"}
    after = client.get("/api/v1/notifications/email-preferences", **bearer(guest_token)).json()
    assert after == before


@pytest.mark.parametrize("field", ["latitude", "longitude"])
@pytest.mark.parametrize("value", ['"43.6"', "true", "false"])
def test_a_listings_coordinates_must_be_json_numbers(client, host_user, token_for, field, value):
    """`true` for a latitude was read as 1.0 and "43.6" as 43.6: a listing placed by a guess
    (a wrong type in a JSON body is a 400, docs/api.md)."""
    category()
    body = {
        "title": "A walk",
        "category": "tours",
        "duration_minutes": 60,
        "price_amount": 1000,
        "currency": "EUR",
        "address": "Front St",
        "city": "Toronto",
        "country_code": "CA",
        "latitude": 43.6,
        "longitude": -79.4,
    }
    text = json.dumps(body).replace(f'"{field}": {body[field]}', f'"{field}": {value}')

    response = client.post(
        "/api/v1/host/listings",
        data=text,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(host_user)}"},
    )

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {f"body.payload.{field}"}
    assert not Listing.objects.exists()


MONDAY = date(2031, 1, 6)
MIDNIGHT = int(datetime(2031, 1, 6, tzinfo=UTC).timestamp())  # a number pydantic took for it


@pytest.mark.parametrize(
    "value", [MIDNIGHT, float(MIDNIGHT), "2031-01-06T00:00:00", "2031-01-06T00:00:00Z"]
)
def test_a_schedules_first_day_must_be_a_date_written_as_one(client, host_user, token_for, value):
    """A date in a JSON body is "YYYY-MM-DD" (JSON Schema's `date`): pydantic's lax mode also
    took a Unix time that falls on a UTC midnight, and a date-time at midnight, for a day, and
    refused every other one: a client sending the wrong type was answered by a guess."""
    listing = ListingFactory.create(host=host_user.host_profile)
    body = {"weekdays": [0], "start_times": ["10:00"], "valid_from": value, "capacity": 5}

    response = client.post(
        f"/api/v1/host/listings/{listing.pk}/schedules",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(host_user)}"},
    )

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"body.payload.valid_from"}
    assert not Schedule.objects.exists()


def test_an_exceptions_day_must_be_a_date_written_as_one(client, host_user, token_for):
    listing = ListingFactory.create(host=host_user.host_profile)
    auth = {"Authorization": f"Bearer {token_for(host_user)}"}
    body = {
        "weekdays": [0],
        "start_times": ["10:00"],
        "valid_from": MONDAY.isoformat(),
        "capacity": 5,
    }
    made = client.post(
        f"/api/v1/host/listings/{listing.pk}/schedules",
        data=json.dumps(body),
        content_type="application/json",
        headers=auth,
    )
    assert made.status_code == 201, made.content

    response = client.post(
        f"/api/v1/host/listings/{listing.pk}/schedules/{made.json()['id']}/exceptions",
        data=json.dumps({"day": MIDNIGHT, "action": "cancel"}),
        content_type="application/json",
        headers=auth,
    )

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"body.payload.day"}
    assert not ScheduleException.objects.exists()
