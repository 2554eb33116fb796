"""Review (session 23) of the listing form's price: a price above the most a listing may cost
was refused with the service's limit in minor units ("A whole number from 0 to 100000000."),
which a host who typed 2000000 euros reads as saying their number was fine. Each test failed on
the code it was written against."""

import pytest
from django.test import Client
from django.utils import translation

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory
from outings.hosting.tests.test_pages import LISTING_FORM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


@pytest.fixture
def harbour_walk(host):
    return ListingFactory.create(
        host=host, price_amount=2500, currency="EUR", address="Am Kupfergraben 1"
    )


def _edit(client: Client, listing: Listing, **changes: str):
    form = {**LISTING_FORM, "version": str(listing.version), **changes}
    return client.post(f"/host/listings/{listing.pk}/", form)


def test_a_price_above_the_limit_names_the_limit_in_the_listings_currency(
    host_client, harbour_walk
):
    response = _edit(host_client, harbour_walk, price="2000000", currency="EUR")

    assert response.status_code == 400
    assert response.context["form"].errors["price"] == ["At most €1,000,000.00 per person."]
    harbour_walk.refresh_from_db()
    assert (harbour_walk.price_amount, harbour_walk.version) == (2500, 1)


def test_a_currency_without_cents_has_its_own_limit(host_client, harbour_walk):
    refused = _edit(host_client, harbour_walk, price="100000001", currency="JPY")
    taken = _edit(host_client, harbour_walk, price="100000000", currency="JPY")

    assert refused.status_code == 400
    assert refused.context["form"].errors["price"] == ["At most ¥100,000,000 per person."]
    assert taken.status_code == 302
    harbour_walk.refresh_from_db()
    assert (harbour_walk.price_amount, harbour_walk.currency) == (100_000_000, "JPY")


def test_the_limit_itself_is_taken(host_client, harbour_walk):
    response = _edit(host_client, harbour_walk, price="1000000.00", currency="EUR")

    assert response.status_code == 302
    harbour_walk.refresh_from_db()
    assert harbour_walk.price_amount == 100_000_000


def test_a_new_listing_is_told_the_same(host_client):
    response = host_client.post("/host/listings/new/", {**LISTING_FORM, "price": "1000000.01"})

    assert response.status_code == 400
    assert response.context["form"].errors["price"] == ["At most €1,000,000.00 per person."]
    assert not Listing.objects.exists()


def test_the_limit_reads_in_german(host_client, harbour_walk):
    host_client.cookies["django_language"] = "de"
    with translation.override("de"):
        response = _edit(host_client, harbour_walk, price="2000000", currency="EUR")

    assert response.status_code == 400
    assert response.context["form"].errors["price"] == ["Höchstens 1.000.000,00\xa0€ pro Person."]
