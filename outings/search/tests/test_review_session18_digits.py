"""Review, session 18: the explore page and GET /api/v1/search read a number the same way. The
page took digits of other scripts ("١٢", Arabic-Indic; fullwidth U+FF11) for numbers, as Python's
int() and float() do, where the API answers 400: a shared URL searched on one and was refused
by the other. Now the page names the field as for any other malformed number."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# A field's partner, where it goes with another (a point's other half, a radius's point).
PARTNERS = {"lat": {"lng": "1"}, "lng": {"lat": "1"}, "radius_km": {"lat": "1", "lng": "1"}}
NUMBERS = ["guests", "price_min", "price_max", "duration_min", "duration_max"]
DECIMALS = ["lat", "lng", "radius_km"]


@pytest.mark.parametrize("value", ["١٢", "１", "1١", "٣٫٥"])
@pytest.mark.parametrize("name", NUMBERS + DECIMALS)
def test_a_number_in_other_digits_is_refused_by_the_page_as_by_the_api(rates, name, value):
    client = Client()
    params = {name: value, **PARTNERS.get(name, {})}
    malformed = {name: "twelve", **PARTNERS.get(name, {})}

    api = client.get("/api/v1/search", params)
    page = client.get("/explore/", params)

    assert api.status_code == 400
    assert page.status_code == 400
    assert page.context["form"].errors == client.get("/explore/", malformed).context["form"].errors


@pytest.mark.parametrize("name", ["date_from", "date_to"])
@pytest.mark.parametrize("value", ["٢٠٢٦-١٢-٠١", "２０２６-１２-０１"])
def test_a_date_in_other_digits_is_refused_by_both(rates, name, value):
    client = Client()

    api = client.get("/api/v1/search", {name: value})
    page = client.get("/explore/", {name: value})

    assert api.status_code == 400
    assert page.status_code == 400
    assert list(page.context["form"].errors) == [name]


@pytest.mark.parametrize("name", NUMBERS + DECIMALS)
def test_ascii_digits_are_still_read_by_both(rates, name):
    client = Client()
    params = {name: "12", **PARTNERS.get(name, {})}

    assert client.get("/api/v1/search", params).status_code == 200
    page = client.get("/explore/", params)
    assert page.status_code == 200
    assert page.context["form"].cleaned_data[name] == 12
