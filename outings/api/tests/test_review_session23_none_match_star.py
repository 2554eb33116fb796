"""Session 23: `If-None-Match: *` on a read. RFC 9110 (13.1.2): the condition is false when the
target has any current representation, and a GET or HEAD whose If-None-Match is false answers
304. The reads with an ETag did (`not_modified` takes `*`); those without one (a guest's
bookings, their tokens, the unread count ...) answered 200 with the body."""

from typing import Any

import pytest
from django.test import Client

from outings.api.main import api as ninja_api
from outings.api.tests.test_review_session22_preconditions import reads_without
from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

WITHOUT_ETAG = [
    "/api/v1/bookings",
    "/api/v1/me/tokens",
    "/api/v1/waitlist",
    "/api/v1/notifications",
    "/api/v1/notifications/unread-count",
]


def _auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.mark.parametrize("url", WITHOUT_ETAG)
def test_a_read_without_an_etag_answers_304_to_if_none_match_star(
    client: Client, guest_token: str, url: str
):
    plain = client.get(url, headers=_auth(guest_token))
    assert plain.status_code == 200
    assert "ETag" not in plain

    response = client.get(url, headers=_auth(guest_token, **{"If-None-Match": "*"}))
    head = client.head(url, headers=_auth(guest_token, **{"If-None-Match": "*"}))

    for answer in (response, head):
        assert (answer.status_code, answer.content) == (304, b""), answer.content
        assert "Content-Type" not in answer
        assert "Content-Length" not in answer
        # What a 200 would carry (RFC 9110 15.4.5), the headers of the middleware included.
        for name in ("Cache-Control", "Vary", "Content-Language", "Content-Security-Policy"):
            assert answer[name] == plain[name], name


@pytest.mark.parametrize("url", WITHOUT_ETAG)
def test_an_entity_tag_in_if_none_match_names_nothing_without_an_etag(
    client: Client, guest_token: str, url: str
):
    response = client.get(url, headers=_auth(guest_token, **{"If-None-Match": '"x", W/"y"'}))

    assert response.status_code == 200


def test_a_read_with_an_etag_still_answers_304_to_star(client: Client):
    listing = ListingFactory.create()

    response = client.get(f"/api/v1/listings/{listing.pk}", headers={"If-None-Match": "*"})

    assert response.status_code == 304
    assert response["ETag"] == client.get(f"/api/v1/listings/{listing.pk}")["ETag"]


@pytest.mark.parametrize("status_url", ["/api/v1/bookings/AAAAAAAAAA", "/api/v1/bookings?limit=0"])
def test_a_read_that_fails_anyway_ignores_if_none_match_star(
    client: Client, guest_token: str, status_url: str
):
    """RFC 9110 13.2.1: a precondition is evaluated only where the answer would be a 2xx."""
    response = client.get(status_url, headers=_auth(guest_token, **{"If-None-Match": "*"}))

    assert response.status_code in (400, 404)


def test_if_match_is_evaluated_before_if_none_match_star(client: Client, guest_token: str):
    response: Any = client.get(
        "/api/v1/bookings", headers=_auth(guest_token, **{"If-None-Match": "*", "If-Match": '"x"'})
    )

    assert response.status_code == 412


def test_every_read_declares_if_none_match_and_its_304():
    without_etag = ninja_api.get_openapi_schema()["paths"]["/api/v1/bookings"]["get"]["responses"]

    assert reads_without("If-None-Match", 304) == []
    assert "headers" not in without_etag[304]  # no ETag to answer
