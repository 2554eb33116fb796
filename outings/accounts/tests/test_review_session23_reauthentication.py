"""Review (session 23): `recently_reauthenticated` (creating a token with the session asks for
the password: ADR 0011) read allauth's records of the session with an internal function
(`allauth.account.internal.flows.login.get_authentication_records`), which an upgrade may
move or change without notice. It now asks allauth's public `reauthentication_required` for
its verdict. These pin what it answers through the real pages, before and after the change:
the password given on /accounts/reauthenticate/ counts for ACCOUNT_REAUTHENTICATION_TIMEOUT and
no longer; a user with no usable password, whom allauth lets through, is refused; a session
that never gave it is refused."""

import inspect
import json
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from outings.accounts import requests
from outings.accounts.models import ApiToken, User
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


@pytest.fixture
def kim() -> User:
    return UserFactory.create(email="kim@example.org", password=PASSWORD)


def _reauthenticated_session(user: User) -> Client:
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    return client


def _create_token(client: Client) -> int:
    return client.post(
        "/api/v1/me/tokens", json.dumps({"name": "laptop"}), content_type="application/json"
    ).status_code


def test_the_password_given_on_allauths_page_lets_the_session_create_a_token(kim):
    client = _reauthenticated_session(kim)

    assert _create_token(client) == 201
    assert ApiToken.objects.filter(user=kim).count() == 1


def test_a_session_that_never_gave_the_password_is_refused(kim):
    client = Client()
    client.force_login(kim)

    assert _create_token(client) == 403
    assert not ApiToken.objects.exists()


def test_the_password_no_longer_counts_after_the_window(kim, monkeypatch, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    client = _reauthenticated_session(kim)
    given = time.time()

    monkeypatch.setattr(time, "time", lambda: given + 301)

    assert _create_token(client) == 403
    assert not ApiToken.objects.exists()


def test_a_user_without_a_usable_password_is_refused_though_allauth_lets_them_through(kim):
    client = _reauthenticated_session(kim)
    kim.set_unusable_password()
    kim.save(update_fields=["password"])
    client.force_login(kim)  # the session's hash follows the password

    assert _create_token(client) == 403
    assert not ApiToken.objects.exists()


def test_an_anonymous_request_has_not_reauthenticated():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    assert requests.recently_reauthenticated(request) is False


def test_it_reads_no_internal_module_of_allauth():
    source = inspect.getsource(requests)

    assert ".internal" not in source
