import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.urls import reverse

from outings.catalog.tests.factories import ListingFactory, SlotFactory

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
    assert '<form class="lang-switch" action="/i18n/setlang/" method="post">' in form
    assert f'<input type="hidden" name="next" value="{page}">' in form

    response = client.post(reverse("set_language"), {"language": "de", "next": page})

    assert response.status_code == 302
    assert response["Location"] == page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert "Preis pro Person" in client.get(page).content.decode()


def test_the_language_switcher_form_carries_a_csrf_token(client):
    client = type(client)(enforce_csrf_checks=True)
    body = client.get(reverse("web:home")).content.decode()

    assert 'name="csrfmiddlewaretoken"' in body
    assert 'name="language"' in body
    assert '<option value="de" lang="de">Deutsch</option>' in body
