"""Session 18 review of the API platform: what a client developer and a fuzzer found."""

import json

import pytest

from outings.accounts.models import ApiToken
from outings.api.tests.helpers import bearer, error_of
from outings.catalog.tests.factories import ListingFactory

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
