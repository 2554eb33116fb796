"""Review (attribution): what an imported listing's page and the API say of its source and
licence, as the licences ask: the credit line, a link to the licence, and GeoNames' credit for
the nearest town of a Wikivoyage row."""

import pytest

from outings.catalog.models import License, Listing
from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_a_wikivoyage_listing_credits_geonames_for_its_town_on_the_page_and_in_the_api(client):
    source = "https://fr.wikivoyage.org/wiki/Wellington"
    listing = ListingFactory.create(
        kind=Listing.Kind.PLACE, license=License.WIKIVOYAGE, source_url=source, price_amount=0
    )

    page = client.get(listing.get_absolute_url()).content.decode()
    api = client.get(f"/api/v1/listings/{listing.pk}").json()

    assert "GeoNames" in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page
    assert "GeoNames, CC BY 4.0" in api["attribution"]
    assert api["license_url"] == "https://creativecommons.org/licenses/by-sa/3.0/"


@pytest.mark.parametrize(
    ("license", "url"),
    [
        (License.TORONTO, "https://open.toronto.ca/open-data-license/"),
        (License.MADRID, "https://datos.madrid.es/egob/catalogo/aviso-legal"),
    ],
)
def test_an_open_data_listing_links_its_licence_on_the_page_and_in_the_api(client, license, url):
    listing = ListingFactory.create(license=license, source_url="https://example.org/event")

    page = client.get(listing.get_absolute_url()).content.decode()
    api = client.get(f"/api/v1/listings/{listing.pk}").json()
    listed = client.get("/api/v1/listings").json()

    assert f'href="{url}" rel="license noopener"' in page
    assert api["license_url"] == url
    assert listed["items"][0]["license_url"] == url
