"""Review (session 23): the listing admin's change form saved values a host is refused for the
same listing (catalog.services.validate_listing): a currency no price is shown or paid in
("eur", "ZZZ"), a price past the most a listing may cost, a duration of a minute or none at
all, languages and a text language that are no ISO 639-1 code, a country that is no ISO 3166-1
code. Saved as typed, with nothing said: values the host's own edits refuse (the API's PUT of
the listing as it reads was refused for them). The form now refuses such a value where staff
typed it, with the host's words, and saves nothing; a value the listing already had (an
import's) does not stop staff correcting another field."""

from typing import Any

import pytest
from django.test import Client

from outings.bookings.tests.test_review_session14 import save_listing_in_admin
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"currency": "ZZZ"}, "Choose one of the listed currencies."),
        ({"currency": "eur"}, "Choose one of the listed currencies."),
        ({"price_amount": 2_000_000_000}, "A whole number from 0 to 100000000."),
        ({"duration_minutes": 1}, "A whole number from 10 to 10080."),
        ({"languages": "en,klingon"}, "Use two-letter ISO 639-1 codes, such as en or de."),
        ({"content_language": "xx"}, "Use a two-letter ISO 639-1 code."),
        ({"country_code": "XX"}, "Use an ISO 3166-1 country code, such as DE or GB."),
    ],
)
def test_staff_are_refused_a_value_a_host_would_be(
    staff: Client, changes: dict[str, Any], said: str
) -> None:
    """Bug: each was saved as typed."""
    listing = ListingFactory.create(currency="EUR", price_amount=2500, duration_minutes=90)
    before = Listing.objects.values().get(pk=listing.pk)

    page = save_listing_in_admin(staff, listing, **changes)

    assert said in page
    assert Listing.objects.values().get(pk=listing.pk) == before


def test_a_value_the_listing_already_has_does_not_stop_another_correction(
    staff: Client,
) -> None:
    """The control: an imported listing's odd duration stays, and staff's new title is saved."""
    listing = ListingFactory.create(duration_minutes=5)

    page = save_listing_in_admin(staff, listing, title="Harbour walk at dawn")

    assert page == ""
    listing.refresh_from_db()
    assert (listing.title, listing.duration_minutes) == ("Harbour walk at dawn", 5)


def test_a_country_typed_in_small_letters_is_saved_in_capitals(staff: Client) -> None:
    """Bug: saved as "fr", which the listing list's country filter (FR) did not find."""
    listing = ListingFactory.create(country_code="CA")

    page = save_listing_in_admin(staff, listing, country_code="fr")

    assert page == ""
    listing.refresh_from_db()
    assert listing.country_code == "FR"
