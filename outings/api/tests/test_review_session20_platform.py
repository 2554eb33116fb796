"""Session 20, the API platform with fresh eyes: ways round the throttle, answers outside the
API's shape, bodies read otherwise than their sender wrote them."""

import io
from types import SimpleNamespace

import pytest
from django.test import Client, override_settings

from outings.api import throttling
from outings.api.tests.helpers import error_of
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, category
from outings.hosting.tests.fixtures import png, use_media

pytestmark = pytest.mark.django_db

TIGHT = {"anon": "2/min", "user": "3/min"}
FROZEN_NOW = 1_800_000_010.0  # ten seconds into a minute: every request in one window


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: FROZEN_NOW))


# --- Throttling: an IPv6 client counts per /64, as it may use any address in it -------------


@override_settings(API_THROTTLE_RATES=TIGHT)
def test_an_ipv6_client_cannot_slip_past_the_anonymous_limit_by_changing_address(client):
    """An IPv6 subscriber is given a /64 (at least) and picks any of its 2^64 addresses for each
    connection (privacy addresses, RFC 8981): counted per address, a new one per request was no
    limit at all."""
    statuses = [
        client.get("/api/v1/categories", REMOTE_ADDR=f"2001:db8:1:2::{n}").status_code
        for n in range(1, 4)
    ]
    spelled_otherwise = client.get(
        "/api/v1/categories", REMOTE_ADDR="2001:0db8:0001:0002:ffff:0:0:9"
    )
    neighbour = client.get("/api/v1/categories", REMOTE_ADDR="2001:db8:1:3::1")

    assert statuses == [200, 200, 429]
    assert error_of(spelled_otherwise)["code"] == "throttled"
    assert neighbour.status_code == 200


@override_settings(API_THROTTLE_RATES=TIGHT, API_TRUSTED_PROXIES=1)
def test_behind_a_proxy_a_forwarded_ipv6_address_counts_per_64_too(client):
    for n in range(1, 3):
        client.get("/api/v1/categories", HTTP_X_FORWARDED_FOR=f"2001:db8:5:6::{n}")

    blocked = client.get("/api/v1/categories", HTTP_X_FORWARDED_FOR="2001:db8:5:6:abcd::1")

    assert blocked.status_code == 429


@override_settings(API_THROTTLE_RATES=TIGHT)
def test_an_ipv4_address_mapped_into_ipv6_counts_as_the_ipv4_address(client):
    """A dual-stack server sees an IPv4 client as ::ffff:a.b.c.d: one client, one count."""
    for _ in range(2):
        client.get("/api/v1/categories", REMOTE_ADDR="198.51.100.20")

    mapped = client.get("/api/v1/categories", REMOTE_ADDR="::ffff:198.51.100.20")
    ipv4_neighbour = client.get("/api/v1/categories", REMOTE_ADDR="198.51.100.21")

    assert (mapped.status_code, ipv4_neighbour.status_code) == (429, 200)


# --- No HTML on the API: /api without its slash -------------------------------------------------


@pytest.mark.parametrize("path", ["/api", "/api?x=1"])
def test_the_api_prefix_without_its_slash_is_a_json_404_not_the_sites_page(client, path):
    """ApiMiddleware took only paths under /api/: /api itself got the site's HTML 'Page not
    found' page."""
    response = client.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"
    assert response["Cache-Control"] == "no-store"


def test_a_site_path_that_only_begins_with_api_is_still_the_sites(client):
    response = client.get("/apiary")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- A body in another charset than UTF-8 is refused, not read as UTF-8 -----------------------


@pytest.mark.parametrize("charset", ["latin-1", "iso-8859-1", "windows-1252", "utf-16"])
def test_a_json_body_declared_in_another_charset_is_refused_not_read_as_utf8(
    client, guest, token_for, charset
):
    """The parser read every body as UTF-8 whatever its charset said: `"Ã©"` sent in Latin-1 is
    the bytes C3 A9, which it read as "é", naming a token (or a listing) otherwise than its
    sender wrote it."""
    response = client.post(
        "/api/v1/me/tokens",
        '{"name": "Ã©"}',  # the client encodes it in the charset named
        content_type=f"application/json; charset={charset}",
        HTTP_AUTHORIZATION=f"Bearer {token_for(guest)}",
    )

    assert response.status_code == 415, response.content
    error = error_of(response)
    assert error["code"] == "unsupported_media_type"
    assert list(error["fields"]) == ["header.Content-Type"]
    assert guest.api_tokens.count() == 1  # the one that sent it


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"'])
def test_a_json_body_declared_as_utf8_is_read(client, guest, token_for, charset):
    response = client.post(
        "/api/v1/me/tokens",
        '{"name": "Ã©"}'.encode(),
        content_type=f"application/json; charset={charset}",
        HTTP_AUTHORIZATION=f"Bearer {token_for(guest)}",
    )

    assert response.status_code == 201
    assert response.json()["token"]["name"] == "Ã©"


# --- A query parameter given twice is refused, not read as its last value ---------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/listings?limit=1&limit=50", "query.limit"),
        ("/api/v1/listings?city=Toronto&city=Madrid", "query.city"),
        ("/api/v1/search?q=walk&q=museum", "query.q"),
        ("/api/v1/search?sort=price&sort=relevance", "query.sort"),
        ("/api/v1/search?tz=UTC&tz=Europe/Berlin", "query.tz"),
        ("/api/v1/search?near=Toronto&near=Madrid", "query.near"),
        ("/api/v1/search?currency=EUR&currency=CAD", "query.currency"),
        ("/api/v1/search?date_from=2030-01-01&date_from=2030-01-02", "query.date_from"),
        ("/api/v1/autocomplete?q=wa&q=mu", "query.q"),
        ("/api/v1/search?lat=1&lat=2&lng=3", "query.lat"),
    ],
)
def test_a_parameter_given_twice_is_a_400_naming_it_not_its_last_value(client, path, field):
    """Django's QueryDict gives the last of a name given twice, and ninja read that one, where
    a cache or a proxy in front may key on the first: refused, as a name given twice in a JSON
    body is (docs/api.md, "Errors")."""
    response = client.get(path)

    assert response.status_code == 400
    assert error_of(response)["fields"] == {field: ["Given more than once."]}


def test_a_repeatable_parameter_and_an_unknown_one_given_twice_are_still_read(client):
    category("tours")
    category("food")

    repeated_list = client.get("/api/v1/search?category=tours&category=food")
    unknown = client.get("/api/v1/listings?_=1&_=2")

    assert repeated_list.status_code == 200, repeated_list.content
    assert unknown.status_code == 200, unknown.content


@pytest.mark.parametrize("twice", ["alt_text", "file"])
def test_a_photo_uploads_field_given_twice_is_a_400_and_stores_nothing(
    settings, tmp_path, token_for, twice
):
    """A multipart form is read as a query is: two alt texts, or two files, took the last."""
    use_media(settings, tmp_path / "media")
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)
    first, second = io.BytesIO(png()), io.BytesIO(png())
    first.name = second.name = "photo.png"
    form = {"file": first, "alt_text": "A boat"}
    form[twice] = [form[twice], second if twice == "file" else "A harbour"]

    response = Client(raise_request_exception=False).post(
        f"/api/v1/host/listings/{listing.pk}/photos",
        form,
        HTTP_AUTHORIZATION=f"Bearer {token_for(host.user)}",
    )

    assert response.status_code == 400, response.content
    # body.*, as every other error of the upload names its fields (form.* and file.* until
    # session 22: ninja's names for the two).
    assert error_of(response)["fields"] == {f"body.{twice}": ["Given more than once."]}
    assert not ListingPhoto.objects.exists()
