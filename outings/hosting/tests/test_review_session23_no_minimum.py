"""Review (session 23) of the listing form's "Minimum guests per date": a host who emptied the
field to have no minimum got "Saved." and kept the minimum (an empty field read as "leave it as
it is", meant for a post without the field), so a date short of it was still cancelled and
refunded at its cut-off. An empty field is now no minimum, as its help text's 0 is. Each test
failed on the code it was written against, but the control."""

import pytest
from django.test import Client

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory
from outings.hosting.tests.test_pages import LISTING_FORM

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]


@pytest.fixture
def needs_four(host) -> Listing:
    return ListingFactory.create(host=host, address="Am Kupfergraben 1", min_guests=4)


def _edit(client: Client, listing: Listing, **fields: str):
    form = {**LISTING_FORM, "version": str(listing.version), **fields}
    return client.post(f"/host/listings/{listing.pk}/", form)


def test_an_emptied_minimum_is_no_minimum(host_client, needs_four):
    response = _edit(host_client, needs_four, min_guests="")

    assert response.status_code == 302
    needs_four.refresh_from_db()
    assert needs_four.min_guests == 0


def test_an_emptied_minimum_reads_as_none_on_the_page(host_client, needs_four):
    _edit(host_client, needs_four, min_guests="")

    page = host_client.get(f"/host/listings/{needs_four.pk}/").content.decode()
    assert 'name="min_guests" value="0"' in page


def test_a_post_without_the_field_leaves_the_minimum(host_client, needs_four):
    """The control: an older page, or a script, that sends no such field changes nothing."""
    response = _edit(host_client, needs_four)

    assert response.status_code == 302
    needs_four.refresh_from_db()
    assert needs_four.min_guests == 4
