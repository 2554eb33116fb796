"""Review (session 22): the email preferences page saved every box as the page showed it, so a
page opened before a change elsewhere undid that change on its next save: a guest who used a
mail's one-click unsubscribe link (RFC 8058), or turned a topic off in another tab, and then
saved the older page for another box, was silently subscribed again, and mailed. The form now
carries the preferences as it showed them (its version); a save from a page that no longer
shows them as they are answers 409 with what is saved now and changes nothing (DESIGN.md 3.5).
A form without a version (a page shown before this change) saves as before. Personas: a guest
(Ada) with a mail and two tabs."""

import re

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory
from outings.notifications import emails
from outings.notifications.models import EmailPreferences

pytestmark = pytest.mark.django_db

PAGE = "/notifications/preferences/"


@pytest.fixture
def ada() -> User:
    return UserFactory.create(preferred_language="en")


def _form(page: str) -> dict[str, str]:
    """What a browser posts from the page's form as shown (hidden fields, checked boxes)."""
    form = re.search(r'<form method="post">(.*?)</form>', page, re.S)
    assert form is not None
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[1]))
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]* checked>', form[1]):
        fields[name] = "on"
    return fields


def _saved(user: User) -> tuple[bool, bool, bool]:
    saved = EmailPreferences.objects.get(user=user)
    return saved.bookings, saved.listings, saved.waitlist


def test_a_page_shown_before_a_one_click_unsubscribe_does_not_subscribe_again(ada):
    client = Client()
    client.force_login(ada)
    shown = _form(client.get(PAGE).content.decode())
    assert {"bookings", "listings", "waitlist"} <= set(shown)
    token = emails.unsubscribe_token(user_id=ada.pk, topic="bookings")
    assert Client().post(f"/notifications/unsubscribe/{token}/").status_code == 200  # the mail's
    assert _saved(ada) == (False, True, True)

    response = client.post(PAGE, _without(shown, "waitlist"))

    assert response.status_code == 409
    assert _saved(ada) == (False, True, True)
    page = response.content.decode()
    assert "changed since you opened this page" in page
    again = _form(page)
    assert "bookings" not in again  # the form shows what is saved now
    assert client.post(PAGE, _without(again, "waitlist")).status_code == 302
    assert _saved(ada) == (False, True, False)


def test_a_page_shown_before_another_tab_saved_does_not_undo_it(ada):
    first, second = Client(), Client()
    first.force_login(ada)
    second.force_login(ada)
    older = _form(second.get(PAGE).content.decode())
    newer = _form(first.get(PAGE).content.decode())
    assert first.post(PAGE, _without(newer, "listings")).status_code == 302

    response = second.post(PAGE, older)

    assert response.status_code == 409
    assert _saved(ada) == (True, False, True)


def test_a_form_without_a_version_saves_as_before(ada):
    client = Client()
    client.force_login(ada)

    response = client.post(PAGE, {"bookings": "on"})

    assert response.status_code == 302
    assert _saved(ada) == (True, False, False)


def _without(fields: dict[str, str], name: str) -> dict[str, str]:
    """The form's fields with the box `name` unchecked (a browser does not send it)."""
    return {key: value for key, value in fields.items() if key != name}
