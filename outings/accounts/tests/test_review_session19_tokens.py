"""API tokens outlived what ended a stolen session: changing the password logs the user's other
sessions out, but whoever held the session had minted a token with it (the page and the API
took the session alone), and the token kept working. The rule now (ADR 0011): creating a token
asks for the password within the last five minutes (allauth's reauthentication), on the page
and through the API with the session; a password change does not revoke tokens (as GitHub's
personal access tokens), and the account page revokes them all at once."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from outings.accounts import services
from outings.accounts.models import ApiToken, User
from outings.accounts.tests.reauth import reauthenticated
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
PAGE = "/accounts/api-tokens/"


@pytest.fixture
def user() -> User:
    return UserFactory.create(email="kim@example.org", password=PASSWORD)


@pytest.fixture
def session(user: User) -> Client:
    """A signed-in session that has not given the password lately (a laptop left open)."""
    client = Client()
    client.force_login(user)
    return client


def test_the_page_asks_for_the_password_before_creating_a_token(session, user):
    response = session.post(PAGE, {"name": "laptop"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2Fapi-tokens%2F"
    assert not ApiToken.objects.exists()
    assert session.get(PAGE).status_code == 200  # reading the list asks for nothing


def test_the_page_creates_the_token_once_the_password_is_given(session, user):
    session.post(PAGE, {"name": "laptop"})

    response = session.post(
        "/accounts/reauthenticate/?next=%2Faccounts%2Fapi-tokens%2F", {"password": PASSWORD}
    )

    assert response.status_code == 201  # the suspended creation, resumed
    assert "no-store" in response["Cache-Control"]
    [token] = ApiToken.objects.filter(user=user)
    assert token.name == "laptop"
    assert response.context["issued"].secret in response.content.decode()


def test_a_wrong_password_creates_nothing(session):
    session.post(PAGE, {"name": "laptop"})

    response = session.post(
        "/accounts/reauthenticate/?next=%2Faccounts%2Fapi-tokens%2F", {"password": "wrong"}
    )

    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_the_api_refuses_a_session_that_has_not_given_the_password_lately(session):
    response = session.post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json")

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "reauthentication_required"
    assert "/accounts/reauthenticate/" in error["message"]
    assert not ApiToken.objects.exists()


def test_the_api_creates_a_token_for_a_session_that_just_gave_the_password(session, user):
    session.post("/accounts/reauthenticate/", {"password": PASSWORD})

    response = session.post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json")

    assert response.status_code == 201
    assert ApiToken.objects.filter(user=user).count() == 1


def test_a_token_caller_creates_tokens_as_before(user):
    issued = services.create_api_token(user=user, name="script")

    response = Client().post(
        "/api/v1/me/tokens",
        {"name": "another"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {issued.secret}"},
    )

    assert response.status_code == 201
    assert ApiToken.objects.filter(user=user).count() == 2


def test_the_test_helper_counts_as_a_recent_password(session, user):
    reauthenticated(session)

    assert session.post(PAGE, {"name": "laptop"}).status_code == 201


def test_revoke_all_ends_every_token_of_the_user_and_no_one_elses(session, user):
    mine = [services.create_api_token(user=user, name=f"t{n}") for n in range(3)]
    theirs = services.create_api_token(user=UserFactory.create(), name="other")

    response = session.post(f"{PAGE}revoke-all/", follow=True)

    assert response.redirect_chain == [(PAGE, 302)]
    assert "3 tokens are revoked; none of them works any more." in response.content.decode()
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    for issued in mine:
        refused = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
        assert refused.status_code == 401
    ApiToken.objects.get(pk=theirs.token.pk, revoked_at__isnull=True)


def test_revoke_all_is_offered_on_the_page_when_there_are_tokens(session, user):
    assert "revoke-all" not in session.get(PAGE).content.decode()
    services.create_api_token(user=user, name="script")

    assert f'action="{PAGE}revoke-all/"' in session.get(PAGE).content.decode()


def test_revoke_all_is_a_post(session, user):
    # A GET (where a sign-in leads back to) returns to the list, revoking nothing.
    services.create_api_token(user=user, name="script")

    assert session.get(f"{PAGE}revoke-all/")["Location"] == PAGE
    assert ApiToken.objects.filter(user=user, revoked_at=None).count() == 1


def test_a_password_change_keeps_tokens_working(user):
    """The documented rule (ADR 0011): tokens are revoked by their owner, not by a password
    change, as GitHub does; creation asking for the password is what keeps a stolen session
    from minting one."""
    issued = services.create_api_token(user=user, name="script")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    new = "another-long-phrase-7"

    client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )

    assert user.__class__.objects.get(pk=user.pk).check_password(new)
    me = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    assert me.status_code == 200
