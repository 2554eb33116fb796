"""Session 23: numbers in a query string or a path are read as they are written. pydantic's lax
mode read `?limit=5.0`, `+5`, ` 5` and `1_000` as whole numbers (`/listings/1.0` answered the
listing 1, `?guests=2.0` searched for two), and `lat=1_0` as 10.0. Every integer and number the
OpenAPI document declares in a query or a path is walked here, so that a parameter added later
is read the same way."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.api.main import api as ninja_api
from outings.api.tests.helpers import error_of
from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

NOT_WHOLE = ["5.0", "+5", " 5", "5 ", "1_000", "5e0", "0x5", "٥", "5.", "--5", ""]
NOT_A_NUMBER = ["1_0", " 10", "+10", ".5", "5.", "1e", "nan", "Infinity", "0x10", "١٠"]


def _parameters() -> Iterator[tuple[str, str, str, str, str]]:
    """(method, path, where, name, type) of every integer or number in a query or a path."""
    document = ninja_api.get_openapi_schema()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] not in ("query", "path"):
                    continue
                schema = parameter["schema"]
                kinds = {option.get("type") for option in schema.get("anyOf", [schema])}
                for kind in kinds & {"integer", "number"}:
                    yield method, path, parameter["in"], parameter["name"], kind


PARAMETERS = list(_parameters())


def _url(path: str, where: str, name: str, value: str) -> str:
    """`path` with `value` for `name` (in the path or the query), 1 for every other id."""
    filled = re.sub(
        r"\{([^}]+)\}", lambda found: value if found.group(1) == name else "1", path
    ).replace(" ", "%20")
    return filled if where == "path" else f"{filled}?{name}={value.replace(' ', '%20')}"


@pytest.fixture
def host_token(host_user: User, token_for: Any) -> str:
    return str(token_for(host_user))


def test_the_walk_finds_the_parameters_it_is_about():
    found = {(path, name) for _method, path, _where, name, _kind in PARAMETERS}

    assert ("/api/v1/listings", "limit") in found
    assert ("/api/v1/search", "guests") in found
    assert ("/api/v1/search", "lat") in found
    assert ("/api/v1/listings/{listing_id}", "listing_id") in found
    assert ("/api/v1/host/bookings", "slot_id") in found


@pytest.mark.parametrize(
    ("method", "path", "where", "name", "kind"),
    PARAMETERS,
    ids=[f"{m} {p} {n}" for m, p, _w, n, _k in PARAMETERS],
)
def test_a_number_not_written_as_one_is_refused(
    client: Client, host_token: str, method: str, path: str, where: str, name: str, kind: str
):
    refused = NOT_WHOLE if kind == "integer" else NOT_A_NUMBER
    for value in refused if where == "query" else [v for v in refused if v]:  # "/" is no route
        url = _url(path, where, name, value)
        response = client.generic(
            method.upper(), url, headers={"Authorization": f"Bearer {host_token}"}
        )

        assert response.status_code == 400, (url, response.status_code, response.content)
        fields = error_of(response)["fields"]
        assert f"{where}.{name}" in fields, (url, fields)


def test_an_optional_number_is_documented_as_the_number_it_is():
    """A query string cannot say null: `anyOf: [integer, null]` made schemathesis draw `3.0`
    for such an integer (a whole float is an integer to JSON Schema), a value no client spells
    so and that this API now refuses."""
    schemas = {
        (path, name): parameter["schema"]
        for path, item in ninja_api.get_openapi_schema()["paths"].items()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        for _m, p, _w, name, _k in PARAMETERS
        if p == path and parameter["name"] == name
    }

    assert schemas
    assert [key for key, schema in schemas.items() if "anyOf" in schema] == []
    assert schemas[("/api/v1/search", "guests")] == {
        "description": "Seats wanted.",
        "maximum": 50,
        "minimum": 1,
        "title": "Guests",
        "type": "integer",
    }


def test_a_whole_number_as_written_is_read(client: Client):
    listing = ListingFactory.create()

    for url in (
        f"/api/v1/listings/{listing.pk}",
        f"/api/v1/listings/00{listing.pk}",
        "/api/v1/listings?limit=5",
        "/api/v1/listings?price_min=0",
        "/api/v1/search?guests=2&lat=43.65&lng=-79.38&radius_km=1e1",
        "/api/v1/search?lat=-0.5&lng=10",
    ):
        assert client.get(url).status_code == 200, url


def test_the_refusal_says_what_pydantic_says_of_any_text_that_is_no_number(client: Client):
    decimal = client.get("/api/v1/listings?limit=5.0")
    word = client.get("/api/v1/listings?limit=five")

    assert error_of(decimal) == error_of(word)
    assert error_of(decimal)["fields"] == {
        "query.limit": ["Input should be a valid integer, unable to parse string as an integer"]
    }
