"""Cross-origin calls: a client served from another origin reads and writes the API with a
personal token (CORS, django-cors-headers); no other origin ever acts with the session cookie."""

import uuid

import pytest
from django.test import override_settings

from outings.api.tests.helpers import bearer, error_of
from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

APP = "https://app.example.org"


def _preflight(client, path, method="POST", headers="authorization, content-type, idempotency-key"):
    return client.options(
        path,
        HTTP_ORIGIN=APP,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def test_a_preflight_for_a_token_post_is_allowed_with_the_api_headers(client):
    response = _preflight(client, "/api/v1/bookings")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key", "if-match"} <= allowed
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert int(response["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response


def test_a_cross_origin_read_may_be_read_with_its_cache_headers(client):
    listing = ListingFactory.create()

    response = client.get(f"/api/v1/listings/{listing.pk}", HTTP_ORIGIN=APP)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "retry-after", "idempotent-replayed", "www-authenticate"} <= exposed
    # A shared cache keeps the answer apart from the one given without an Origin (no CORS
    # headers), which a browser on another origin could not read.
    assert "origin" in response["Vary"].lower()


def test_a_cross_origin_token_write_works_and_sends_no_credentials_header(client, guest_token):
    response = client.post(
        "/api/v1/me/tokens",
        data={"name": "spa"},
        content_type="application/json",
        HTTP_ORIGIN=APP,
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        **bearer(guest_token),
    )

    assert response.status_code == 201, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_errors_carry_the_headers_so_that_the_client_can_read_them(client):
    not_found = client.get("/api/v1/listings/999999", HTTP_ORIGIN=APP)
    unauthorised = client.get("/api/v1/me", HTTP_ORIGIN=APP, **bearer("not-a-token"))
    too_big = client.post(
        "/api/v1/me/tokens",
        data="x" * (1024 * 1024),
        content_type="application/json",
        HTTP_ORIGIN=APP,
    )

    for response, status in ((not_found, 404), (unauthorised, 401), (too_big, 413)):
        assert response.status_code == status
        assert response["Access-Control-Allow-Origin"] == "*"
        error_of(response)


@override_settings(CORS_ALLOW_ALL_ORIGINS=False, CORS_ALLOWED_ORIGINS=[APP])
def test_with_a_list_of_origins_only_those_may_read(client):
    listing = ListingFactory.create()

    allowed = client.get(f"/api/v1/listings/{listing.pk}", HTTP_ORIGIN=APP)
    other = client.get(f"/api/v1/listings/{listing.pk}", HTTP_ORIGIN="https://evil.example")

    assert allowed["Access-Control-Allow-Origin"] == APP
    assert "Access-Control-Allow-Origin" not in other
    assert "origin" in allowed["Vary"].lower()


def test_pages_outside_the_api_get_no_cors_headers(client):
    response = client.get("/explore/", HTTP_ORIGIN=APP)
    preflight = _preflight(client, "/accounts/login/")

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight


def test_an_options_request_that_is_not_a_preflight_names_the_allowed_methods(client):
    response = client.options("/api/v1/listings", HTTP_ORIGIN=APP)

    assert response.status_code == 204
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"
