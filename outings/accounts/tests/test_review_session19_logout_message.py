"""Review (session 19): logging out lands on the home page, an anonymous page served whole from
the page cache, which shows no messages. allauth's "You have signed out." therefore waited in
the visitor's messages cookie and greeted their next sign-in on "My bookings", next to
"Successfully signed in". It is no longer queued: the header's "Log in" link says it."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a long pass phrase 7"


def test_signing_out_and_in_again_shows_no_stale_signed_out_message(client: Client) -> None:
    user = UserFactory.create(email="ada@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    credentials = {"login": user.email, "password": PASSWORD}
    client.post("/accounts/login/", credentials)
    client.get("/bookings/")  # shows and so ends the sign-in message

    out = client.post("/accounts/logout/")
    assert (out.status_code, out["Location"]) == (302, "/")
    assert "You have signed out" not in client.get("/").content.decode()
    client.post("/accounts/login/", credentials)
    body = client.get("/bookings/").content.decode()

    assert "You have signed out" not in body
    assert "Successfully signed in" in body


def test_the_signed_in_message_is_in_the_language_the_user_chose(client: Client) -> None:
    """Signing in is answered before the user is known to the language middleware: the message
    was written in the browser's language (English) and shown on the next page, which is in the
    language the user chose (German)."""
    user = UserFactory.create(email="ada@example.org", password=PASSWORD, preferred_language="de")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    english = {"Accept-Language": "en"}

    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}, headers=english)
    body = client.get("/bookings/", headers=english).content.decode()

    assert '<html lang="de">' in body
    assert "Successfully signed in" not in body
    assert "Erfolgreich als" in body
