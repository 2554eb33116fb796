"""Review of the offering area (session 12): what a listing's fields let through."""

import csv
import gzip
import io
from pathlib import Path

import pytest
from django.conf import settings

from outings.catalog import services
from outings.catalog.countries import country_code
from outings.catalog.models import Listing
from outings.catalog.services import InvalidListing
from outings.catalog.tests.factories import HostProfileFactory
from outings.hosting.tests.fixtures import listing_data

SOURCES_WITH_COUNTRIES = (
    "madrid_agenda_events",
    "toronto_festivals_events",
    "wikivoyage_listings_de_fr_ru",
)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories")]


@pytest.mark.parametrize("code", ["XX", "ZZ", "UK", "EU", "AA", "QM"])
def test_a_country_code_that_iso_3166_does_not_assign_is_refused(code):
    """validate_listing (catalog/services/validation.py) only checked the shape of a country
    code (two ASCII letters), so "XX" or "ZZ" was stored as a listing's country; "UK" (the
    United Kingdom is GB) and "EU" are not countries of ISO 3166-1 either."""
    host = HostProfileFactory.create()

    with pytest.raises(InvalidListing) as caught:
        services.create_listing(host=host, data=listing_data(country_code=code), actor=host.user)

    assert caught.value.fields == {
        "country_code": ["Use an ISO 3166-1 country code, such as DE or GB."]
    }
    assert not Listing.objects.exists()


@pytest.mark.parametrize(("given", "stored"), [("fr", "FR"), (" gb ", "GB"), ("XK", "XK")])
def test_a_real_country_code_is_taken_in_capitals(given, stored):
    """Kosovo's XK is not assigned by ISO 3166-1 but is the code the EU, CLDR and Wikivoyage use
    (the catalogue has a place there): it is taken too."""
    host = HostProfileFactory.create()

    listing = services.create_listing(
        host=host, data=listing_data(country_code=given), actor=host.user
    )

    assert listing.country_code == stored


def test_an_import_keeps_only_a_real_country_code():
    assert country_code(" es ") == "ES"
    assert country_code("XK") == "XK"
    assert country_code("ZZ") == ""
    assert country_code("X1") == ""


def test_every_country_code_of_the_bundled_data_is_kept_by_the_import():
    """The real catalogue still imports with its countries: every code in the bundled files
    passes the rule (a code the import refused would leave the listing without a country)."""
    data_dir = Path(settings.BASE_DIR) / "data"
    codes: set[str] = set()
    for name in SOURCES_WITH_COUNTRIES:
        with gzip.open(data_dir / f"{name}.csv.gz") as raw:
            rows = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))
            codes |= {row["country_code"].strip().upper() for row in rows}

    assert len(codes) > 200
    assert {code for code in codes if country_code(code) != code} == set()
