"""Session 23: the answers ApiMiddleware made itself, before or after everything below it ran
(a body refused by its Content-Length, a query string not in UTF-8, a read's 412 of If-Match),
skipped the middleware inside it, so they lacked what every other answer of the API carries:
Content-Language, `Vary: Accept-Language, Cookie`, the security headers (Content-Security-Policy,
X-Frame-Options, X-Content-Type-Options, Referrer-Policy, Cross-Origin-Opener-Policy) and a
Content-Length. Each is compared here with an ordinary error, a 404 from the view."""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from outings.api.tests.helpers import error_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

GERMAN = {"Accept-Language": "de"}
# Headers whose value is the request's own, or the answer's length.
OWN = {"X-Request-ID", "Content-Length"}


def _headers(response: Any) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in OWN}


@pytest.fixture
def listing(db: object) -> Listing:
    return ListingFactory.create()


def _ordinary(client: Client) -> dict[str, str]:
    response = client.get("/api/v1/listings/999999999", headers=GERMAN)
    assert response.status_code == 404
    assert response["Content-Language"] == "de"
    return _headers(response)


REFUSALS: dict[str, Callable[[Client, Listing, str], Any]] = {
    "a read whose If-Match fails": lambda client, listing, token: client.get(
        f"/api/v1/listings/{listing.pk}", headers={**GERMAN, "If-Match": '"stale"'}
    ),
    "a Content-Length that is no number": lambda client, listing, token: client.get(
        f"/api/v1/listings/{listing.pk}", headers=GERMAN, CONTENT_LENGTH="many"
    ),
    "a body over the limit": lambda client, listing, token: client.post(
        "/api/v1/bookings",
        b"",
        content_type="application/json",
        headers=GERMAN,
        CONTENT_LENGTH=str(settings.API_MAX_BODY_BYTES + 1),
    ),
    "a query string not in UTF-8": lambda client, listing, token: client.get(
        "/api/v1/listings?q=%FF", headers=GERMAN
    ),
    "a body nested past what the API reads": lambda client, listing, token: client.post(
        "/api/v1/bookings",
        "[" * 5000 + "]" * 5000,
        content_type="application/json",
        headers={**GERMAN, "Idempotency-Key": "deep-1", "Authorization": f"Bearer {token}"},
    ),
}


@pytest.mark.parametrize("refusal", REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refusal_carries_the_headers_of_every_other_error(
    client: Client,
    listing: Listing,
    guest_token: str,
    refusal: Callable[[Client, Listing, str], Any],
):
    ordinary = _ordinary(client)

    response = refusal(client, listing, guest_token)

    assert 400 <= response.status_code < 500
    assert error_of(response)["code"]  # in the shape
    assert "Content-Length" in response.headers
    assert _headers(response) == ordinary


def test_the_refusals_speak_the_language_asked_for(client: Client, listing: Listing):
    not_a_number = REFUSALS["a Content-Length that is no number"](client, listing, "")

    with translation.override("de"):
        assert error_of(not_a_number)["message"] == gettext("Content-Length is not a number.")
    assert error_of(not_a_number)["message"] != "Content-Length is not a number."
