"""Every error under /api/ is JSON in one shape, and bad input changes nothing."""

import json
import logging

import pytest
from django.test import RequestFactory, override_settings

from outings.accounts.models import ApiToken, User
from outings.api.errors import _on_unexpected
from outings.api.tests.helpers import bearer, error_of

pytestmark = pytest.mark.django_db


def test_an_unknown_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response) == {"code": "not_found", "message": "Not found.", "fields": {}}


def test_the_api_root_is_json(client):
    """Was a JSON 404 (and /api/v1, without the slash, an HTML redirect to it): now the index of
    the document and the docs (test_review_session19_root.py)."""
    response = client.get("/api/v1/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"name", "version", "openapi", "docs"}


def test_an_unknown_version_is_a_json_404(client):
    response = client.get("/api/v2/listings")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_wrong_method_is_a_json_405_that_names_the_allowed_ones(client):
    response = client.put("/api/v1/listings", data="{}", content_type="application/json")

    assert response.status_code == 405
    # HEAD is answered wherever GET is, and OPTIONS everywhere
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert error_of(response)["code"] == "method_not_allowed"
    assert client.head("/api/v1/listings").status_code == 200


def test_a_missing_object_is_not_found(client):
    response = client.get("/api/v1/listings/123456")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_unexpected_exception_is_a_logged_500_in_the_shape(caplog):
    request = RequestFactory().get("/api/v1/listings")

    with caplog.at_level(logging.ERROR, logger="outings.api.errors"):
        response = _on_unexpected(request, RuntimeError("boom"))

    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"
    assert "boom" not in response.content.decode()
    [record] = caplog.records
    assert record.exc_info is not None
    assert record.exc_info[1].args == ("boom",)


def test_a_wrong_type_in_the_query_is_a_validation_error(client):
    response = client.get("/api/v1/listings?price_min=cheap")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["query.price_min"]


def test_an_out_of_range_value_is_a_validation_error(client):
    response = client.get("/api/v1/listings?limit=101")

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["query.limit"]


@pytest.mark.parametrize(
    "body",
    [b'{"name": "nul\\u0000byte"}', b'{"name": "lone \\udb7d surrogate"}'],
    ids=["nul", "surrogate"],
)
def test_text_the_database_cannot_store_is_refused_and_nothing_changes(
    client, guest, guest_token, body
):
    response = client.post(
        "/api/v1/me/tokens", data=body, content_type="application/json", **bearer(guest_token)
    )

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["body.payload.name"]
    assert ApiToken.objects.filter(user=guest).count() == 1


def test_a_nul_in_a_query_filter_is_a_validation_error(client):
    response = client.get("/api/v1/listings?city=Ber%00lin")

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["query.city"]


def test_an_out_of_range_path_id_is_a_validation_error_not_a_database_error(client):
    response = client.get(f"/api/v1/listings/{2**64}")

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["path.listing_id"]


def test_an_unknown_field_in_a_body_is_refused_and_nothing_changes(client, guest, guest_token):
    response = client.patch(
        "/api/v1/me",
        data={"first_name": "Grace", "is_staff": True},
        content_type="application/json",
        **bearer(guest_token),
    )

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["body.payload.is_staff"]
    guest.refresh_from_db()
    assert (guest.first_name, guest.is_staff) == ("Ada", False)


def test_a_wrong_type_in_a_body_is_refused_and_nothing_changes(client, guest, guest_token):
    response = client.post(
        "/api/v1/me/tokens",
        data={"name": 42},
        content_type="application/json",
        **bearer(guest_token),
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert ApiToken.objects.filter(user=guest).count() == 1  # the fixture's own


def test_a_body_that_is_not_json_is_refused_and_nothing_changes(client, guest, guest_token):
    response = client.post(
        "/api/v1/me/tokens", data="{name: ", content_type="application/json", **bearer(guest_token)
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    assert ApiToken.objects.filter(user=guest).count() == 1


def test_a_body_that_is_not_utf8_is_refused_and_nothing_changes(client, guest, guest_token):
    response = client.patch(
        "/api/v1/me",
        data=b'{"first_name": "\xff\xfe"}',
        content_type="application/json",
        **bearer(guest_token),
    )

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
    guest.refresh_from_db()
    assert guest.first_name == "Ada"


@override_settings(API_MAX_BODY_BYTES=100)
def test_an_oversized_body_is_a_413_and_nothing_changes(client, guest, guest_token):
    response = client.post(
        "/api/v1/me/tokens",
        data=json.dumps({"name": "x" * 200}),
        content_type="application/json",
        **bearer(guest_token),
    )

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"
    assert ApiToken.objects.filter(user=guest).count() == 1


def test_a_non_numeric_content_length_is_a_400(client):
    response = client.get("/api/v1/listings", CONTENT_LENGTH="lots")

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"


def test_a_missing_token_on_a_private_route_is_a_401(client):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Token abc",
        "Basic dXNlcjpwYXNz",
        "Bearer out_tooshort",
        "Bearer out_" + "A" * 43,
    ],
)
def test_a_malformed_or_unknown_token_is_a_401_and_nothing_changes(client, guest, header):
    response = client.patch(
        "/api/v1/me",
        data={"first_name": "Mallory"},
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert User.objects.get(pk=guest.pk).first_name == "Ada"


def test_a_bad_token_on_a_public_route_is_a_401_not_anonymous_access(client):
    response = client.get("/api/v1/listings", HTTP_AUTHORIZATION="Bearer nope")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("language", "message", "field"),
    [
        ("en", "The request is not valid.", "The cursor is not valid."),
        ("de", "Die Anfrage ist ungültig.", "Der Cursor ist ungültig."),
    ],
)
def test_an_error_body_speaks_the_language_asked_for(client, language, message, field):
    response = client.get(
        "/api/v1/listings", {"cursor": "nonsense"}, headers={"Accept-Language": language}
    )

    assert response.status_code == 400
    assert error_of(response)["message"] == message
    assert error_of(response)["fields"] == {"query.cursor": [field]}


def test_a_schema_error_is_english_whole_as_its_field_messages_are(client):
    """pydantic's messages come in English only: the message next to them is English too."""
    response = client.get("/api/v1/listings?limit=101", headers={"Accept-Language": "de"})

    assert response.status_code == 400
    assert error_of(response)["message"] == "The request is not valid."


@override_settings(API_MAX_BODY_BYTES=100)
def test_a_body_refused_before_the_language_middleware_speaks_the_language_asked_for(
    client, guest_token
):
    response = client.post(
        "/api/v1/me/tokens",
        data=json.dumps({"name": "x" * 200}),
        content_type="application/json",
        headers={"Accept-Language": "de"},
        **bearer(guest_token),
    )

    assert response.status_code == 413
    assert error_of(response)["message"] == "Der Inhalt der Anfrage ist größer als 100 Bytes."
