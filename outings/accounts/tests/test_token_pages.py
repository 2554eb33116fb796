"""The account page where a user creates, names, lists and revokes personal API tokens
(issue 3: "in their account page and through the API")."""

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from outings.accounts import services
from outings.accounts.models import ApiToken, User
from outings.accounts.tests.reauth import reauthenticated

pytestmark = pytest.mark.django_db

PAGE = "/accounts/api-tokens/"


@pytest.fixture
def user() -> User:
    return User.objects.create_user(username="ada", email="ada@example.org", password="pw-12345678")


@pytest.fixture
def signed_in(client: Client, user: User) -> Client:
    """Signed in, having given the password lately: creating a token asks for it (ADR 0011)."""
    client.force_login(user)
    return reauthenticated(client)


def text(response: Any) -> str:
    return str(response.content.decode())


def test_the_page_needs_a_signed_in_user(client: Client) -> None:
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_new_token_is_shown_once_works_and_only_its_hash_is_stored(
    signed_in: Client, user: User
) -> None:
    response = signed_in.post(PAGE, {"name": "calendar script"})

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    secret = response.context["issued"].secret
    assert secret in text(response)
    token = ApiToken.objects.get(user=user)
    assert token.name == "calendar script"
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.name, token.prefix, token.digest}
    me = signed_in.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    again = signed_in.get(PAGE)
    assert secret not in text(again)
    assert "calendar script" in text(again)
    assert token.prefix in text(again)


def test_the_list_shows_only_the_users_active_tokens(signed_in: Client, user: User) -> None:
    mine = services.create_api_token(user=user, name="mine").token
    gone = services.create_api_token(user=user, name="revoked one").token
    services.revoke_api_token(user=user, token_id=gone.pk, now=gone.created_at)
    stranger = User.objects.create_user(username="bob", email="bob@example.org", password="x")
    services.create_api_token(user=stranger, name="bob's token")

    page = text(signed_in.get(PAGE))

    assert mine.name in page
    assert "revoked one" not in page
    assert "bob&#x27;s token" not in page
    assert "bob's token" not in page


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_missing_or_too_long_name_is_refused_and_nothing_is_created(
    signed_in: Client, name: str
) -> None:
    response = signed_in.post(PAGE, {"name": name})

    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_past_the_cap_creation_is_refused_with_a_message(
    signed_in: Client, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_ACTIVE_TOKENS", 1)
    services.create_api_token(user=user, name="first")

    response = signed_in.post(PAGE, {"name": "second"})

    assert response.status_code == 409
    assert "revoke one first" in text(response)
    assert ApiToken.objects.filter(user=user).count() == 1


def test_revoking_a_token_stops_it_at_once(signed_in: Client, user: User) -> None:
    issued = services.create_api_token(user=user, name="old script")

    response = signed_in.post(f"{PAGE}{issued.token.pk}/revoke/")

    assert response.status_code == 302
    issued.token.refresh_from_db()
    assert issued.token.revoked_at is not None
    me = signed_in.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    assert me.status_code == 401
    assert "The token is revoked" in text(signed_in.get(response["Location"]))


def test_another_users_token_cannot_be_revoked_and_is_not_found(signed_in: Client) -> None:
    stranger = User.objects.create_user(username="bob", email="bob@example.org", password="x")
    theirs = services.create_api_token(user=stranger, name="theirs").token

    response = signed_in.post(f"{PAGE}{theirs.pk}/revoke/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_takes_a_post_only(signed_in: Client, user: User) -> None:
    token = services.create_api_token(user=user, name="t").token

    # A GET (where a sign-in leads back to) returns to the list, revoking nothing.
    assert signed_in.get(f"{PAGE}{token.pk}/revoke/")["Location"] == PAGE
    assert signed_in.post(f"{PAGE}99999999999999999999/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_speaks_the_users_language(signed_in: Client, user: User) -> None:
    user.preferred_language = "de"
    user.save(update_fields=["preferred_language"])

    page = text(signed_in.get(PAGE, headers={"Accept-Language": "de"}))

    assert "Deine Tokens" in page
    assert "Token erstellen" in page


# 2030-07-01 10:30 UTC as a page shows it to a user whose profile names a zone (or "UTC": none
# chosen) and whose browser sent one (the `tz` cookie, or none: JavaScript off).
ZONED_TIMES = pytest.mark.parametrize(
    ("profile_zone", "cookie", "shown"),
    [
        ("UTC", None, "July 1, 2030, 10:30 a.m. UTC"),
        ("UTC", "America/Toronto", "July 1, 2030, 6:30 a.m. EDT"),
        ("Europe/Berlin", None, "July 1, 2030, 12:30 p.m. CEST"),
    ],
)


@ZONED_TIMES
def test_the_times_of_a_token_name_the_zone_they_are_in(
    signed_in: Client, user: User, profile_zone: str, cookie: str | None, shown: str
) -> None:
    """Created and last used, in the viewer's zone, named as the booking pages name theirs
    (the `with_zone` filter): a bare "10:30 a.m." could be any zone's."""
    user.time_zone = profile_zone
    user.save(update_fields=["time_zone"])
    token = services.create_api_token(user=user, name="script").token
    instant = datetime(2030, 7, 1, 10, 30, tzinfo=UTC)
    ApiToken.objects.filter(pk=token.pk).update(created_at=instant, last_used_at=instant)
    if cookie:
        signed_in.cookies["tz"] = cookie

    page = text(signed_in.get(PAGE))

    assert page.count(f"<td>{shown}</td>") == 2
