"""Session 14's review of the API platform: errors to signed-in callers are not stored."""

import pytest

from outings.api.tests.helpers import bearer, error_of

pytestmark = pytest.mark.django_db

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
