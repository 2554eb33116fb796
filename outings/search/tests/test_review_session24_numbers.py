"""Review, session 24: the explore page read numbers as Python and Django read them, where the
API (outings/api/numbers.py) reads what a JSON number looks like and answers 400 for the rest.
`?guests=2.0` searched for two guests, `+2`, ` 2` and `1_0` were read as 2 and 10, `lat=.5`
as 0.5: a URL the API refuses searched on the page, as something the visitor may not have
meant. Now the page names such a number as it names `twelve`."""

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# A field's partner, where it goes with another (a point's other half, a radius's point).
PARTNERS = {"lat": {"lng": "1"}, "lng": {"lat": "1"}, "radius_km": {"lat": "1", "lng": "1"}}
WHOLE = ["guests", "price_min", "price_max", "duration_min", "duration_max"]
DECIMAL = ["lat", "lng", "radius_km"]


def _both(client: Client, params: dict[str, str]) -> tuple[int, Any]:
    """The API's status and the page (whose second request would come from the page cache)."""
    return client.get("/api/v1/search", params).status_code, client.get("/explore/", params)


@pytest.mark.parametrize("value", ["2.0", "2.", "+2", " 2", "2 ", "1_0", "1e3", "2.00", "0x2"])
@pytest.mark.parametrize("name", WHOLE)
def test_a_whole_number_the_api_refuses_is_refused_by_the_page(rates, name, value):
    client = Client(raise_request_exception=False)
    params = {name: value}

    api, page = _both(client, params)

    assert (api, page.status_code) == (400, 400)
    assert (
        page.context["form"].errors == client.get("/explore/", {name: "two"}).context["form"].errors
    )
    assert page.context["page"] is None  # nothing was searched


@pytest.mark.parametrize("value", ["1.", ".5", "+1", " 1", "1 ", "1_0", "1e", "1.5e", "0x1"])
@pytest.mark.parametrize("name", DECIMAL)
def test_a_decimal_number_the_api_refuses_is_refused_by_the_page(rates, name, value):
    client = Client(raise_request_exception=False)
    params = {name: value, **PARTNERS.get(name, {})}
    malformed = {name: "one", **PARTNERS.get(name, {})}

    api, page = _both(client, params)

    assert (api, page.status_code) == (400, 400)
    assert page.context["form"].errors == client.get("/explore/", malformed).context["form"].errors
    assert page.context["page"] is None


@pytest.mark.parametrize(("value", "read"), [("12", 12), ("012", 12)])
@pytest.mark.parametrize("name", WHOLE)
def test_a_whole_number_both_read_is_read_by_the_page(rates, name, value, read):
    client = Client()

    api, page = _both(client, {name: value})

    assert (api, page.status_code) == (200, 200)
    assert page.context["form"].cleaned_data[name] == read


@pytest.mark.parametrize(
    ("value", "read"), [("12", 12.0), ("1.5", 1.5), ("1.5e1", 15.0), ("-0", 0.0)]
)
@pytest.mark.parametrize("name", ["lat", "lng"])
def test_a_decimal_number_both_read_is_read_by_the_page(rates, name, value, read):
    client = Client()
    params = {name: value, **PARTNERS.get(name, {})}

    api, page = _both(client, params)

    assert (api, page.status_code) == (200, 200)
    assert page.context["form"].cleaned_data[name] == read


@pytest.mark.parametrize(
    "bbox",
    ["1.,2,3,4", ".5,2,3,4", "1,2,3,4.", "1,-.5,3,4", "+1,2,3,4", " 1,2,3,4", "1,2,3,4\n"],
)
def test_a_map_area_whose_numbers_the_page_refuses_is_refused_by_the_api(rates, bbox):
    """The API's pattern took `1.` and `.5` (float() read them), which the page's map area
    refused; the page took spaces around the four numbers (its field stripped them), which the
    API refused."""
    client = Client(raise_request_exception=False)

    api, page = _both(client, {"bbox": bbox})

    assert (api, page.status_code) == (400, 400)
    assert list(page.context["form"].errors) == ["bbox"]


@pytest.mark.parametrize("bbox", ["1,2,3,4", "-1.5,-2.25,3.0,4.0001", "01,2,3,4"])
def test_a_map_area_both_read_is_searched_by_both(rates, bbox):
    api, page = _both(Client(), {"bbox": bbox})

    assert (api, page.status_code) == (200, 200)
