"""Review (session 23): a token's name is a one-line label its owner tells tokens apart by (the
account page's list, the API's, the admin's), but create_api_token refused only a NUL: a new
line, a tab, a line separator or a bidirectional override (U+202E) was kept, so a name could
turn the rest of its row around ("\u202eevil" shown as "live") or break across lines. Such a
name is refused now as a person's name is (accounts.services.NOT_IN_A_NAME: 400 validation_error
naming `name` from the API, the form's message on the page; no token made), and the OpenAPI
document says so. Names in any script, a Persian one with its zero-width non-joiner too, are
taken. Persona: Ada, creating tokens for her scripts."""

import json
from typing import Any

import pytest
from django.test import Client

from outings.accounts.models import ApiToken, User
from outings.accounts.tests.reauth import reauthenticated
from outings.accounts.tests.test_review_session22_names import INJECTED
from outings.api.schemas import NAME_PATTERN
from outings.api.tests.helpers import error_of
from outings.catalog.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REFUSED = [*INJECTED, "calendar\x01script", "laptop\x7f"]


@pytest.fixture
def ada() -> Client:
    client = Client()
    client.force_login(UserFactory.create(email="ada@example.org", password="a-pass-phrase-9"))
    return reauthenticated(client)


def _create(client: Client, name: str) -> Any:
    return client.post(
        "/api/v1/me/tokens", json.dumps({"name": name}), content_type="application/json"
    )


@pytest.mark.parametrize("name", REFUSED)
def test_the_api_refuses_a_token_name_of_more_than_one_line_or_with_controls(ada, name):
    response = _create(ada, name)

    assert response.status_code == 400
    error = error_of(response)
    assert error["fields"] == {"name": ["One line of text, without control characters."]}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", REFUSED)
def test_the_page_refuses_it_with_the_forms_message(ada, name):
    response = ada.post("/accounts/api-tokens/", {"name": name})

    assert response.status_code == 400
    assert "One line of text, without control characters." in response.content.decode()
    assert response.context["issued"] is None
    assert not ApiToken.objects.exists()


def test_the_page_says_it_in_german(ada):
    User.objects.update(preferred_language="de")

    response = ada.post("/accounts/api-tokens/", {"name": "a\nb"})

    assert "Eine Zeile Text, ohne Steuerzeichen." in response.content.decode()


@pytest.mark.parametrize("name", ["Zoë's laptop", "大野の Mac", "مهر\u200cناز", "CI (nightly)"])
def test_names_in_any_script_are_taken(ada, name):
    assert _create(ada, name).status_code == 201
    assert ada.post("/accounts/api-tokens/", {"name": name}).status_code == 201

    assert list(ApiToken.objects.values_list("name", flat=True)) == [name, name]


def test_the_document_gives_the_token_name_the_pattern(client):
    document = client.get("/api/v1/openapi.json").json()

    name = document["components"]["schemas"]["TokenIn"]["properties"]["name"]

    assert name["pattern"] == NAME_PATTERN


def test_the_api_takes_the_longest_name_with_surrounding_spaces_as_the_page_does(ada):
    """The name is kept without surrounding spaces (docs/api.md); the API counted them against
    the 100 characters, and refused a name the page took."""
    padded = "  " + "x" * 100 + " \n"

    assert _create(ada, padded).status_code == 201
    assert ada.post("/accounts/api-tokens/", {"name": padded}).status_code == 201

    assert list(ApiToken.objects.values_list("name", flat=True)) == ["x" * 100] * 2


def test_the_api_still_refuses_a_name_of_101_characters(ada):
    response = _create(ada, "x" * 101)

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["body.payload.name"]
    assert not ApiToken.objects.exists()
