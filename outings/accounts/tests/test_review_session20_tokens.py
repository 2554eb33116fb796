"""Review (session 20) of creating API tokens with the session (ADR 0011).

The refusal said "within five minutes" whatever allauth's ACCOUNT_REAUTHENTICATION_TIMEOUT is:
the window it names now follows the setting."""

import pytest
from django.test import Client, override_settings

from outings.accounts.models import ApiToken, User
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/me/tokens"


@pytest.fixture
def user() -> User:
    """Has a password, not given again lately (a factory's user has none by default)."""
    return UserFactory.create(password="a-long-pass-phrase-9")


def _refusal(user: User, language: str = "en") -> dict[str, object]:
    client = Client()
    client.force_login(user)
    response = client.post(
        API, {"name": "x"}, content_type="application/json", headers={"Accept-Language": language}
    )
    assert response.status_code == 403
    error: dict[str, object] = response.json()["error"]
    assert error["code"] == "reauthentication_required"
    assert not ApiToken.objects.exists()
    return error


def test_the_refusal_names_the_default_window_of_five_minutes(user):
    assert "within 5 minutes." in str(_refusal(user)["message"])


@override_settings(ACCOUNT_REAUTHENTICATION_TIMEOUT=600)
def test_the_refusal_names_the_window_the_setting_gives(user):
    message = str(_refusal(user)["message"])

    assert "within 10 minutes." in message
    assert "five" not in message


@override_settings(ACCOUNT_REAUTHENTICATION_TIMEOUT=60)
def test_the_refusal_says_one_minute_in_the_singular(user):
    assert "within 1 minute." in str(_refusal(user)["message"])


@override_settings(ACCOUNT_REAUTHENTICATION_TIMEOUT=90)
def test_a_window_of_no_whole_minutes_is_told_in_seconds(user):
    assert "within 90 seconds." in str(_refusal(user)["message"])


@override_settings(ACCOUNT_REAUTHENTICATION_TIMEOUT=600)
def test_the_refusal_is_in_german_with_the_settings_window(user):
    message = str(_refusal(user, "de")["message"])

    assert "innerhalb von 10 Minuten" in message
    assert "Sie " not in message
