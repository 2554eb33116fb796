"""Review (session 19) of accounts: what a user, or someone typing their address, met that they
should not have. Real PostgreSQL, the real outbox and allauth's own views."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from outings.accounts import services
from outings.accounts.models import ApiToken, User
from outings.accounts.tests.reauth import reauthenticated
from outings.catalog.tests.factories import UserFactory
from outings.common.outbox.testing import deliver

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"


def _verified_user(email: str, **extra: object) -> User:
    user = UserFactory.create(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


# --- Account mail in the recipient's language ------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "last_read"), [("de", ""), ("", "de")], ids=["chosen", "last-read"]
)
def test_a_password_reset_mail_is_in_the_language_its_recipient_reads(nudges, chosen, last_read):
    """A German user asking for a reset from a browser that speaks English (a borrowed laptop,
    a work machine) reads the mail in German, as every other mail to them; it was written in
    the asking browser's language."""
    _verified_user("jonas@example.org", preferred_language=chosen, site_language=last_read)

    response = Client().post(
        "/accounts/password/reset/",
        {"email": "jonas@example.org"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    deliver("urgent")

    assert response.status_code == 302
    [sent] = mail.outbox
    assert sent.subject == "[Outings] E-Mail zum Zurücksetzen des Passworts"
    assert "Du erhältst diese E-Mail" in str(sent.body)


def test_the_already_registered_mail_is_in_the_language_of_the_account(nudges):
    """Someone signs up with a German user's address: the mail telling its owner (instead of
    telling the form, which would reveal the account) is in German too."""
    _verified_user("jonas@example.org", preferred_language="de")

    Client().post(
        "/accounts/signup/",
        {"email": "jonas@example.org", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    deliver("urgent")

    [sent] = mail.outbox
    assert sent.subject == "[Outings] Konto existiert bereits"


def test_a_reset_for_an_unknown_address_is_in_the_asking_browsers_language(nudges):
    Client().post(
        "/accounts/password/reset/", {"email": "nobody@example.org"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    deliver("urgent")

    [sent] = mail.outbox
    assert sent.subject == "[Outings] Unbekanntes Konto"


# --- Token names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_the_api_refuses_a_token_without_a_name_and_creates_nothing(name):
    """The page refused a blank name; the API stored "   " and listed a token nobody could tell
    apart."""
    user = UserFactory.create(password=PASSWORD)  # a password to give
    client = Client()
    client.force_login(user)
    reauthenticated(client)  # the password given, as a session must before creating a token

    response = client.post("/api/v1/me/tokens", {"name": name}, content_type="application/json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) in (["name"], ["body.payload.name"])
    assert not ApiToken.objects.exists()


def test_a_token_name_is_stored_without_surrounding_spaces_through_the_api():
    user = UserFactory.create(password=PASSWORD)  # a password to give
    client = Client()
    client.force_login(user)
    reauthenticated(client)  # the password given, as a session must before creating a token

    response = client.post(
        "/api/v1/me/tokens", {"name": "  laptop \n"}, content_type="application/json"
    )

    assert response.status_code == 201
    assert response.json()["token"]["name"] == "laptop"
    assert ApiToken.objects.get().name == "laptop"


@pytest.mark.parametrize("name", ["  ", "x" * 101, "a\x00b"])
def test_the_service_refuses_a_blank_long_or_nul_token_name(name):
    user = UserFactory.create()

    with pytest.raises(services.InvalidToken) as refused:
        services.create_api_token(user=user, name=name)

    assert list(refused.value.fields) == ["name"]
    assert not ApiToken.objects.exists()


# --- Reaching the account's pages ----------------------------------------------------------------


@pytest.mark.parametrize(
    "page", ["/accounts/api-tokens/", "/accounts/password/change/", "/accounts/email/"]
)
def test_each_account_page_links_to_the_others(page):
    """A signed-in user could change their password or address only by knowing the URL: no page
    linked to allauth's password change or address pages (the site's layout replaced allauth's,
    with its menu)."""
    client = Client()
    client.force_login(_verified_user("kim@example.org"))

    response = client.get(page, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    nav = html[
        html.index('<nav class="account-nav"') : html.index(
            "</nav>", html.index('<nav class="account-nav"')
        )
    ]
    for link in ("/accounts/email/", "/accounts/password/change/", "/accounts/api-tokens/"):
        assert f'href="{link}"' in nav
    assert f'href="{page}" aria-current="page"' in nav


def test_the_account_pages_links_read_in_german():
    client = Client()
    client.force_login(_verified_user("kim@example.org", preferred_language="de"))

    html = client.get("/accounts/password/change/").content.decode()

    assert 'aria-label="Dein Konto"' in html
    assert ">E-Mail-Adressen</a>" in html
    assert 'aria-current="page">Passwort</a>' in html


# --- Changing the address takes the password -----------------------------------------------------


def test_a_signed_in_session_cannot_change_the_accounts_address_without_the_password(nudges):
    """Whoever holds a session (a laptop left open, a stolen cookie) could add their own address,
    verify it from their mailbox, make it primary and remove the owner's, then reset the
    password through it: the account taken without ever knowing the password, which changing
    the password itself asks for. Adding, making primary and removing an address now ask for
    the password first (allauth's reauthentication, valid for five minutes)."""
    user = _verified_user("kim@example.org")
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"login": "kim@example.org", "password": PASSWORD}
        ).status_code
        == 302
    )

    refused = client.post("/accounts/email/", {"action_add": "", "email": "new@example.org"})

    assert refused.status_code == 302
    assert refused["Location"] == "/accounts/reauthenticate/?next=%2Faccounts%2Femail%2F"
    assert not EmailAddress.objects.filter(email="new@example.org").exists()

    # With the password given, the change asked for goes through (allauth resumes it).
    client.post(refused["Location"], {"password": PASSWORD})

    assert list(
        EmailAddress.objects.filter(user=user).order_by("email").values_list("email", "verified")
    ) == [("kim@example.org", True), ("new@example.org", False)]


# --- What an account page says after an action ----------------------------------------------------


def test_changing_the_password_says_it_was_changed_on_the_page_it_returns_to():
    """allauth's pages were dressed in the site's layout, which showed no messages: a changed
    password came back to the same form with no word, and "Password successfully changed." was
    shown pages later, wherever messages were shown next."""
    client = Client()
    client.post(
        "/accounts/login/", {"login": _verified_user("kim@example.org").email, "password": PASSWORD}
    )
    new = "another-long-phrase-7"

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
        follow=True,
    )

    assert response.redirect_chain == [("/accounts/password/change/", 302)]
    assert "Password successfully changed." in response.content.decode()
    later = client.get("/accounts/api-tokens/").content.decode()
    assert "Password successfully changed." not in later


def test_a_refused_removal_of_the_primary_address_says_why(django_user_model):
    user = _verified_user("kim@example.org")
    client = Client()
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})

    response = client.post(
        "/accounts/email/", {"action_remove": "", "email": "kim@example.org"}, follow=True
    )

    assert "You cannot remove your primary email address (kim@example.org)." in (
        response.content.decode()
    )
    assert EmailAddress.objects.filter(user=user).count() == 1
