import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_log_in_with_fewer_forwarded_hops_than_trusted_proxies_is_no_error(settings):
    """allauth's own reading of the proxy count raises ImproperlyConfigured (a 500) here; the
    site's rule takes the first hop there is."""
    settings.API_TRUSTED_PROXIES = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")

    response = client.post("/accounts/login/", {"login": "x@example.org", "password": "wrong"})

    assert response.status_code == 200
