import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_page_speaks_german_to_a_german_browser(client):
    response = client.get(reverse("web:home"), headers={"Accept-Language": "de-DE,de;q=0.9"})

    body = response.content.decode()
    assert '<html lang="de">' in body
    assert "Finde etwas zu unternehmen" in body
    assert ">Entdecken</a>" in body
    assert "Accept-Language" in response["Vary"]


def test_listing_page_shows_german_price_date_and_category_from_the_language_cookie(client):
    listing = ListingFactory.create(time_zone="Europe/Berlin", price_amount=150000, currency="CAD")
    SlotFactory.create(
        listing=listing, starts_at=datetime(2031, 7, 5, 8, 0, tzinfo=UTC), seats_taken=9
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    body = client.get(listing.get_absolute_url()).content.decode()

    assert "1.500,00\u00a0CA$" in body
    assert "Sa, 5. Juli 2031" in body
    assert "10:00 CEST" in body
    assert "1 Platz frei" in re.sub(r"<[^>]+>", "", body)  # the number is in its own span
    assert "Touren und Spaziergänge" in body
    assert "Preis pro Person" in body
    assert "1 Stunde 30 Minuten" in body


def test_english_is_the_default_language(client):
    listing = ListingFactory.create(price_amount=150000, currency="EUR")

    body = client.get(listing.get_absolute_url()).content.decode()

    assert '<html lang="en">' in body
    assert "€1,500.00" in body


def test_the_language_switcher_sets_the_language_and_returns_to_the_page(client):
    listing = ListingFactory.create()
    page = listing.get_absolute_url()
    form = client.get(page).content.decode()
    assert (
        '<form class="lang-switch" action="/i18n/setlang/" method="post" data-return-here>' in form
    )
    assert f'<input type="hidden" name="next" value="{page}">' in form

    response = client.post(reverse("set_language"), {"language": "de", "next": page})

    assert response.status_code == 302
    assert response["Location"] == page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert "Preis pro Person" in client.get(page).content.decode()


def test_a_signed_in_visitors_language_form_carries_a_csrf_token_which_is_checked():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory.create())
    body = client.get(reverse("web:home")).content.decode()

    without_token = client.post(reverse("set_language"), {"language": "de", "next": "/"})

    assert 'name="csrfmiddlewaretoken"' in body
    assert 'name="language"' in body
    assert '<option value="de" lang="de">Deutsch</option>' in body
    assert without_token.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_an_anonymous_visitors_language_form_has_no_token_and_works_from_the_site():
    """The anonymous page is cached and shared whole (outings.common.pagecache), so its form
    carries no token: the browser's own word on where the request came from is checked."""
    client = Client(enforce_csrf_checks=True)
    body = client.get(reverse("web:home")).content.decode()

    response = client.post(
        reverse("set_language"),
        {"language": "de", "next": "/"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    )

    assert 'name="csrfmiddlewaretoken"' not in body
    assert '<option value="de" lang="de">Deutsch</option>' in body
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_an_anonymous_language_change_sent_by_another_site_is_refused(headers):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("set_language"), {"language": "de", "next": "/"}, headers=headers
    )

    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_a_language_change_is_a_post():
    response = Client().get(reverse("set_language"), {"language": "de"})

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("picked", "kept"),
    [("en", "en"), ("fr", "de")],  # French: Django has a catalogue for it, the site has none
)
def test_a_signed_in_visitors_language_choice_is_kept_on_their_account(picked, kept):
    user = UserFactory.create(preferred_language="de")
    client = Client()
    client.force_login(user)

    response = client.post(reverse("set_language"), {"language": picked, "next": "/"})

    user.refresh_from_db()
    assert response.status_code == 302
    assert user.preferred_language == kept
    body = client.get("/", headers={"Accept-Language": "fr"}).content.decode()
    assert f'<html lang="{kept}">' in body
