"""HTTPS: with SECURE_COOKIES=true the site says so to browsers (HSTS) and redirects plain http,
except /health, which monitors ask each app server for by its address."""

import pytest

from outings.common.tests.test_operations import _env, _settings

pytestmark = pytest.mark.django_db

SETTINGS = "[settings.SECURE_HSTS_SECONDS, settings.SECURE_SSL_REDIRECT]"


def _services(**overrides: str) -> dict[str, str]:
    return _env(DATABASE_URL="postgres://u@db.internal/outings", SECRET_KEY="k", **overrides)


def test_https_settings_follow_secure_cookies_and_can_be_tuned():
    assert _settings(_services(), SETTINGS) == [0, False]
    assert _settings(_services(SECURE_COOKIES="true"), SETTINGS) == [31536000, True]
    tuned = _services(SECURE_COOKIES="true", SECURE_HSTS_SECONDS="300", SECURE_SSL_REDIRECT="no")
    assert _settings(tuned, SETTINGS) == [300, False]


@pytest.fixture
def https_site(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    # Behind deploy/nginx.conf, whose X-Forwarded-Proto the app servers trust.
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_a_plain_http_page_request_is_redirected_to_https(client, https_site):
    response = client.get("/things-to-do/?page=2")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/things-to-do/?page=2"


def test_a_page_served_over_https_carries_hsts(client, https_site):
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_health_answers_over_plain_http(client, https_site):
    response = client.get("/health")

    assert response.status_code in (200, 503)
    assert "checks" in response.json()
