"""The site speaks German with "du"; allauth's own German catalogue says "Sie", and its pages
(reauthentication, password change, the account mails) said it to the same user: "Bitte
authentifizieren Sie sich erneut, um Ihr Konto zu schützen." The project overrides those
strings (locale_overrides/, second in LOCALE_PATHS) and its own three formal ones."""

import gettext
import re
from pathlib import Path

import allauth
import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import translation

from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-9"
# The polite form, as a word: "Sie", "Ihr", "Ihre", "Ihnen" ... (capitalised mid-sentence).
FORMAL = re.compile(r"\b(Sie|Ihr|Ihre|Ihren|Ihrem|Ihrer|Ihres|Ihnen)\b")
ALLAUTH_DE = Path(allauth.__file__).parent / "locale" / "de" / "LC_MESSAGES" / "django.mo"


def _german_client() -> Client:
    user = UserFactory.create(email="jonas@example.org", password=PASSWORD, preferred_language="de")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/accounts/reauthenticate/", "/accounts/password/change/"])
def test_the_german_account_pages_say_du(path):
    response = _german_client().get(path)

    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    text = response.content.decode()
    assert FORMAL.findall(text) == []


def test_the_reauthentication_page_asks_in_the_sites_voice():
    text = _german_client().get("/accounts/reauthenticate/").content.decode()

    assert "Bitte bestätige, dass du es bist, um dein Konto zu schützen." in text


def test_no_string_of_allauths_german_catalogue_says_sie():
    with ALLAUTH_DE.open("rb") as file:
        catalogue = gettext.GNUTranslations(file)
    formal = []
    with translation.override("de"):
        for key in catalogue._catalog:  # type: ignore[attr-defined]
            if key == "":
                continue
            if isinstance(key, tuple):  # (msgid, plural form): the lookup goes by msgid alone
                text = translation.ngettext(key[0], key[0], key[1] + 1)
            else:
                text = translation.gettext(key)
            if FORMAL.search(text):
                formal.append(text)

    assert formal == []


@pytest.mark.parametrize(
    ("english", "german"),
    [
        ("Confirm the seats held for you", "Die für dich gehaltenen Plätze bestätigen"),
        (
            "Go back, reload the page and send it again. Nothing was changed.",
            "Geh zurück, lade die Seite neu und sende das Formular noch einmal. Es wurde nichts "
            "geändert.",
        ),
    ],
)
def test_the_sites_own_strings_say_du(english, german):
    with translation.override("de"):
        assert translation.gettext(english) == german
