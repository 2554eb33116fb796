"""Review (session 23): an address is one account's however it is spelled (session 22:
`canonical_email`), and sign-up, adding an address and "forgot your password" take every
spelling of it; the log-in compared the typed string, in lower case only. So Kate, signed up as
`kate@example.org`, who typed her address with full-width letters (an East Asian keyboard's
wide mode), or Ada, whose mail program shows `ada@exämple.org` in punycode, was told the address
or password was wrong, although "forgot your password" with that very spelling mailed her a
reset link. Wrong passwords typed in several spellings count against the one account's limit
(allauth's "5 per 5 minutes per account"), as they did in any case."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


def _verified_user(email: str) -> User:
    user = UserFactory.create(email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _log_in(client: Client, login: str, password: str = PASSWORD) -> int:
    return client.post("/accounts/login/", {"login": login, "password": password}).status_code


@pytest.mark.parametrize(
    "typed",
    [
        "kate@ｅｘａｍｐｌｅ.org",  # full-width letters in the domain
        "Kate@EXAMPLE.org",
        "  kate@example.org ",
    ],
)
def test_kate_signs_in_with_any_spelling_of_her_address(typed):
    kate = _verified_user("kate@example.org")
    client = Client()

    assert _log_in(client, typed) == 302

    assert client.session["_auth_user_id"] == str(kate.pk)


@pytest.mark.parametrize("typed", ["ada@xn--exmple-cua.org", "ada@EXÄMPLE.org"])
def test_ada_signs_in_with_the_punycode_or_any_case_of_her_domain(typed):
    ada = _verified_user("ada@exämple.org")
    client = Client()

    assert _log_in(client, typed) == 302

    assert client.session["_auth_user_id"] == str(ada.pk)


def test_wrong_passwords_in_several_spellings_count_against_the_one_account():
    """allauth's "5/5m/key": the sixth attempt is refused, the right password included, however
    the five before it spelled the address."""
    _verified_user("kate@example.org")
    spellings = [
        "kate@ｅｘａｍｐｌｅ.org",
        "kate@example.org",
        "kate@ｅxample.org",
        "KATE@ｅｘａｍｐｌｅ.ORG",
        "kate@exａmple.org",
    ]
    for attempt, typed in enumerate(spellings):
        response = Client().post("/accounts/login/", {"login": typed, "password": f"no-{attempt}"})
        assert b"not correct" in response.content

    client = Client()
    response = client.post("/accounts/login/", {"login": "kate@example.org", "password": PASSWORD})

    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_another_accounts_password_does_not_sign_in_by_a_spelling_of_kates_address():
    _verified_user("kate@example.org")
    kim = UserFactory.create(email="kim@example.org", password="kims-pass-phrase")
    EmailAddress.objects.create(user=kim, email=kim.email, verified=True, primary=True)
    client = Client()

    response = client.post(
        "/accounts/login/", {"login": "kate@ｅｘａｍｐｌｅ.org", "password": "kims-pass-phrase"}
    )

    assert b"not correct" in response.content
    assert "_auth_user_id" not in client.session


def test_an_address_kept_before_session_22_in_another_spelling_still_signs_in_as_kept():
    """Addresses kept before session 22 were not rewritten (docs/hosting.md): an account whose
    address is still in punycode signs in with it, as it did."""
    ada = _verified_user("ada@exämple.org")
    User.objects.filter(pk=ada.pk).update(email="ada@xn--exmple-cua.org")
    EmailAddress.objects.filter(user=ada).update(email="ada@xn--exmple-cua.org")
    client = Client()

    assert _log_in(client, "ada@xn--exmple-cua.org") == 302

    assert client.session["_auth_user_id"] == str(ada.pk)
