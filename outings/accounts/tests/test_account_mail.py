import pytest
from django.core import mail

from outings.common.outbox.testing import deliver

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


def test_the_verification_link_and_the_greeting_are_on_the_configured_site(
    client, settings, nudges
):
    settings.SITE_URL = "https://outings.example.org"
    settings.ALLOWED_HOSTS = ["outings.example.org", "10.0.0.11"]

    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_HOST="10.0.0.11",
    )
    deliver("urgent")

    assert response.status_code == 302
    [sent] = mail.outbox
    body = str(sent.body)
    assert "https://outings.example.org/accounts/confirm-email/" in body
    assert "10.0.0.11" not in body
    assert body.startswith("Hello from Outings!")
    assert "Thank you for using Outings!\noutings.example.org" in body
