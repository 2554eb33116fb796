"""Review (session 19): SECURE_PROXY_SSL_HEADER was always set, so an app server reached without
the proxy (its own address, `make run`'s front, a proxy that does not set the header) believed a
client's own `X-Forwarded-Proto: https`: a plain-http request counted as https, so it was not
redirected to https, got HSTS, and its CSRF origin checks were made for an https origin. Now the
header is trusted only with TRUST_X_FORWARDED_PROTO=true, which deploy/nginx.conf's app servers
set (it sets the header itself, overwriting the client's)."""

from typing import Any

import pytest
from django.test import Client

from outings.common.tests.test_operations import _env, _settings
from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start

PROXY_HEADER = ["HTTP_X_FORWARDED_PROTO", "https"]


def test_the_forwarded_scheme_is_not_trusted_by_default() -> None:
    assert _settings(_env(**SERVICES), "settings.SECURE_PROXY_SSL_HEADER") is None
    assert _settings(_env(), "settings.SECURE_PROXY_SSL_HEADER") is None  # make run


@pytest.mark.parametrize(("value", "trusted"), [("true", True), ("false", False)])
def test_trust_x_forwarded_proto_says_whether_the_header_is_trusted(value, trusted) -> None:
    env = _env(**SERVICES, TRUST_X_FORWARDED_PROTO=value)

    assert _settings(env, "settings.SECURE_PROXY_SSL_HEADER") == (PROXY_HEADER if trusted else None)


def test_a_misspelt_trust_x_forwarded_proto_stops_the_start_naming_it() -> None:
    refusal = _refusal(_start(**SERVICES, TRUST_X_FORWARDED_PROTO="ture"))

    assert refusal.startswith("TRUST_X_FORWARDED_PROTO is malformed")


@pytest.fixture
def https_site(settings: Any) -> Any:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    return settings


@pytest.mark.django_db
def test_without_the_proxy_a_forged_https_header_is_still_plain_http(
    client: Client, https_site: Any
) -> None:
    https_site.SECURE_PROXY_SSL_HEADER = None

    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_without_the_proxy_a_forged_https_header_does_not_pass_the_https_origin_check(
    https_site: Any,
) -> None:
    """A plain-http POST whose Origin is the https site passed the CSRF origin check as if it
    had come over https."""
    https_site.SECURE_PROXY_SSL_HEADER = None
    https_site.SECURE_SSL_REDIRECT = False  # the app server asked directly, nothing redirects
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        "/accounts/login/",
        {"login": "nobody@example.org", "password": "x", "csrfmiddlewaretoken": token},
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_ORIGIN="https://testserver",
    )

    assert response.status_code == 403


@pytest.mark.django_db
def test_behind_the_proxy_its_https_header_is_trusted(client: Client, https_site: Any) -> None:
    https_site.SECURE_PROXY_SSL_HEADER = tuple(PROXY_HEADER)

    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"
