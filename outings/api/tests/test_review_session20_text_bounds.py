"""How a text over its bound is named: by its characters, as the search's `q` is."""

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.api.tests.helpers import error_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"category": "x" * 51}, "query.category", "String should have at most 50 characters"),
        ({"city": "x" * 121}, "query.city", "String should have at most 120 characters"),
        ({"city": "Tor\x00onto"}, "query.city", "Value error, must not contain NUL characters"),
    ],
)
def test_the_listing_list_names_a_too_long_category_or_city_by_its_characters(
    params: dict[str, str], field: str, message: str
) -> None:
    """A category or a city over its bound was refused with "Value should have at most 50
    items after validation, not 51": pydantic checked the length after the text's own
    validator, where it no longer knows a string."""
    answer = Client().get("/api/v1/listings", params)

    assert answer.status_code == 400
    [(name, [text])] = error_of(answer)["fields"].items()
    assert name == field
    assert text.startswith(message), text


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_patching_me_names_a_too_long_name_by_its_characters(
    client: Client, guest: User, guest_token: str, field: str
) -> None:
    answer = client.patch(
        "/api/v1/me",
        data={field: "x" * 151},
        content_type="application/json",
        headers={"Authorization": f"Bearer {guest_token}"},
    )

    assert answer.status_code == 400
    [(name, [text])] = error_of(answer)["fields"].items()
    assert name == f"body.payload.{field}"
    assert text.startswith("String should have at most 150 characters"), text
    guest.refresh_from_db()
    assert (guest.first_name, guest.last_name) == ("Ada", "Lovelace")
