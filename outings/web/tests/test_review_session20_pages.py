"""Review (session 20): the public pages with fresh eyes."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from outings.catalog.models import License
from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_a_listing_with_a_malformed_imported_address_is_shown_without_its_links(
    client: Client,
) -> None:
    """An imported row's URL is kept when it starts with http:// or https:// (importers'
    url_or_blank), and `http://[` does. The template filter that keeps javascript: out of links
    (`http_url`) asked urlsplit about it, which raises for a bracket it cannot close: the
    listing's page answered 500, and so did every list its card was on (home, things to do,
    explore). It is now no address: the page is shown without that link or picture."""
    listing = ListingFactory.create(
        title="Harbour walk",
        image_url="https://[broken/photo.jpg",
        source_url="http://[broken",
        license=License.WIKIVOYAGE,  # its credit line names the source's address
    )

    page = client.get(f"/things-to-do/{listing.pk}/")
    listed = client.get("/things-to-do/")

    assert page.status_code == 200
    assert listed.status_code == 200
    for response in (page, listed):
        body = response.content.decode()
        assert "Harbour walk" in body
        assert 'href="http://[broken"' not in body
        assert 'src="https://[broken' not in body


def test_a_language_change_refused_as_cross_site_says_so_in_the_visitors_language() -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

    response = client.post(
        reverse("set_language"),
        {"language": "en", "next": "/"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )

    assert response.status_code == 403
    assert response.content.decode() == "Anfrage einer anderen Website abgelehnt."
