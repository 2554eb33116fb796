import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outings.api.tests.helpers import bearer, error_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_an_anonymous_read_is_publicly_cacheable(client):
    listing = ListingFactory.create()

    response = client.get(f"/api/v1/listings/{listing.pk}")

    assert response["Cache-Control"] == "public, max-age=60"
    assert response["Vary"] == "Authorization, Cookie, Accept-Language, origin"  # origin: CORS
    assert response["ETag"].startswith('"')


def test_an_anonymous_read_that_deletes_a_stale_session_cookie_is_private(client):
    """The session middleware answers a session key it does not know by deleting the cookie:
    a shared cache must not keep that answer, Set-Cookie and all, for others."""
    listing = ListingFactory.create()
    client.cookies["sessionid"] = "a-session-that-expired-long-ago-0123456789"

    response = client.get(f"/api/v1/listings/{listing.pk}")

    assert response.status_code == 200
    assert "sessionid" in response.cookies
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_an_authenticated_read_is_private(client, guest_token):
    listing = ListingFactory.create()

    response = client.get(f"/api/v1/listings/{listing.pk}", **bearer(guest_token))

    assert response["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert response["Vary"] == "Authorization, Cookie, Accept-Language, origin"  # origin: CORS


@pytest.mark.parametrize(
    "path", ["/api/v1/listings/{pk}", "/api/v1/listings", "/api/v1/categories"]
)
def test_a_matching_if_none_match_is_a_304_without_a_body(client, path):
    listing = ListingFactory.create()
    url = path.format(pk=listing.pk)
    etag = client.get(url)["ETag"]

    response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "public, max-age=60"


def test_a_weak_or_listed_if_none_match_also_matches(client):
    listing = ListingFactory.create()
    etag = client.get(f"/api/v1/listings/{listing.pk}")["ETag"]

    response = client.get(f"/api/v1/listings/{listing.pk}", HTTP_IF_NONE_MATCH=f'"x", W/{etag}')

    assert response.status_code == 304


def test_an_edit_changes_the_etag(client):
    listing = ListingFactory.create()
    before = client.get(f"/api/v1/listings/{listing.pk}")["ETag"]
    Listing.objects.filter(pk=listing.pk).update(version=2)

    response = client.get(f"/api/v1/listings/{listing.pk}", HTTP_IF_NONE_MATCH=before)

    assert response.status_code == 200
    assert response["ETag"] != before


def test_the_etag_is_computed_without_rendering_the_list(client):
    ListingFactory.create()
    etag = client.get("/api/v1/listings")["ETag"]

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/listings", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert len(queries) == 1


def test_patch_me_with_the_current_etag_goes_through(client, guest, guest_token):
    etag = client.get("/api/v1/me", **bearer(guest_token))["ETag"]

    response = client.patch(
        "/api/v1/me",
        data={"last_name": "Hopper"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
        **bearer(guest_token),
    )

    assert response.status_code == 200
    assert response["ETag"] != etag
    guest.refresh_from_db()
    assert guest.last_name == "Hopper"


@pytest.mark.parametrize("stale", ['"0000"', "W/{etag}", '"nonsense", "more"'])
def test_patch_me_with_a_stale_if_match_is_412_and_changes_nothing(
    client, guest, guest_token, stale
):
    etag = client.get("/api/v1/me", **bearer(guest_token))["ETag"]

    response = client.patch(
        "/api/v1/me",
        data={"last_name": "Hopper"},
        content_type="application/json",
        HTTP_IF_MATCH=stale.format(etag=etag),
        **bearer(guest_token),
    )

    assert response.status_code == 412
    assert error_of(response)["code"] == "precondition_failed"
    guest.refresh_from_db()
    assert guest.last_name == "Lovelace"


def test_a_second_edit_from_the_same_stale_read_is_412(client, guest, guest_token):
    etag = client.get("/api/v1/me", **bearer(guest_token))["ETag"]
    edit = {"content_type": "application/json", "HTTP_IF_MATCH": etag, **bearer(guest_token)}

    first = client.patch("/api/v1/me", data={"first_name": "One"}, **edit)
    second = client.patch("/api/v1/me", data={"first_name": "Two"}, **edit)

    assert (first.status_code, second.status_code) == (200, 412)
    guest.refresh_from_db()
    assert guest.first_name == "One"


def test_if_match_star_matches_any_current_version(client, guest, guest_token):
    response = client.patch(
        "/api/v1/me",
        data={"first_name": "Star"},
        content_type="application/json",
        HTTP_IF_MATCH="*",
        **bearer(guest_token),
    )

    assert response.status_code == 200


def test_head_is_get_without_the_body(client):
    listing = ListingFactory.create()
    url = f"/api/v1/listings/{listing.pk}"
    got = client.get(url)

    head = client.head(url)

    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == got["ETag"]
    assert head["Cache-Control"] == got["Cache-Control"]
    assert int(head["Content-Length"]) == len(got.content)
    assert client.head(url, headers={"If-None-Match": got["ETag"]}).status_code == 304
    assert client.head("/api/v1/listings/999999999").status_code == 404
    refused = client.head("/api/v1/bookings/ABCDEFGHJK/confirm")  # a POST-only route
    assert (refused.status_code, refused["Allow"], refused.content) == (405, "POST, OPTIONS", b"")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/listings/999999999",  # 404
        "/api/v1/listings?limit=1000",  # 400
        "/api/v1/search?lat=99&lng=0",  # 400
        "/api/v1/nowhere",  # 404 from the URLconf
    ],
)
def test_an_error_is_never_stored_by_a_cache(client, path):
    """An anonymous 404 with no Cache-Control may be kept by a shared cache heuristically
    (RFC 9111, 4.2.2), and an error's message is in the request's language: no cache keeps
    one."""
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code in (400, 404)
    assert response["Cache-Control"] == "no-store"
