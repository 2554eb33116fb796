"""Session 14's review of the API platform: errors to signed-in callers are not stored, the
OpenAPI document is built once and its views are throttled."""

from types import SimpleNamespace

import pytest
from django.test import Client, override_settings

from outings.accounts.models import ApiToken
from outings.api import throttling
from outings.api.main import api
from outings.api.tests.helpers import bearer, error_of

pytestmark = pytest.mark.django_db

TIGHT = {"anon": "2/min", "user": "3/min"}
FROZEN_NOW = 1_800_000_010.0  # ten seconds into a minute, as in test_throttling.py


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: FROZEN_NOW))


# --- Errors are never stored, whoever asked ------------------------------------------------------


def test_an_error_to_a_token_holder_is_not_stored(client, guest_token):
    response = client.get("/api/v1/bookings/ABCDEFGHJK", **bearer(guest_token))

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert response["Cache-Control"] == "no-store"


def test_a_refused_body_of_a_token_holder_is_not_stored(client, guest_token):
    response = client.post(
        "/api/v1/me/tokens", "{", content_type="application/json", **bearer(guest_token)
    )

    assert response.status_code == 400
    assert response["Cache-Control"] == "no-store"


# --- The OpenAPI document --------------------------------------------------------------------


def test_the_openapi_document_is_built_once_per_process():
    assert api.get_openapi_schema() is api.get_openapi_schema()


@pytest.mark.usefixtures("frozen_clock")
@override_settings(API_THROTTLE_RATES=TIGHT)
@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_documents_are_throttled_per_address(client, path):
    statuses = [client.get(path).status_code for _ in range(3)]
    other_ip = client.get(path, REMOTE_ADDR="10.0.0.2")

    assert statuses == [200, 200, 429]
    refused = client.get(path)
    assert error_of(refused)["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Cache-Control"] == "no-store"
    assert other_ip.status_code == 200


@pytest.mark.usefixtures("frozen_clock")
@override_settings(API_THROTTLE_RATES=TIGHT)
def test_session_writes_that_fail_their_csrf_check_are_throttled(guest):
    session = Client(enforce_csrf_checks=True)
    session.force_login(guest)

    statuses = [
        session.post(
            "/api/v1/me/tokens", {"name": "x"}, content_type="application/json"
        ).status_code
        for _ in range(3)
    ]

    assert statuses == [403, 403, 429]
    refused = session.post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json")
    assert error_of(refused)["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert not ApiToken.objects.exists()


def test_every_operation_declares_what_the_platform_answers_any_request(client):
    """Whatever the handler does: 429 over the budget and 401 for a refused token (on a public
    operation too), 403 for a session write without its CSRF token, 413 for a body over
    API_MAX_BODY_BYTES, 415 for a JSON body sent as anything else."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    undeclared = set()
    for path, item in paths.items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            expected = {"401", "429"}
            if method != "get":
                expected.add("403")
            if "requestBody" in operation:
                expected.add("413")
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                expected.add("415")  # a body not declared as JSON (session 16)
            undeclared |= {(method.upper(), path, status) for status in expected - statuses}

    assert undeclared == set()


def test_a_body_over_the_limit_on_the_email_preferences_is_a_413(client, guest_token):
    response = client.patch(
        "/api/v1/notifications/email-preferences",
        '{"bookings": false, "x": "' + "a" * 70_000 + '"}',
        content_type="application/json",
        **bearer(guest_token),
    )

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
