"""A JSON body with a name given twice deep inside it: the reader takes the body (json.loads
nests further than Python functions recurse), then looks for where the name is given twice, and
that search recursed past Python's limit. The RecursionError reached ninja, which answered its
own English "Cannot parse request body" (outings.api.parser replaces it with messages in the
request's language), where a body nested too deep for json.loads itself is told it nests deeper
than this API reads (5c0594f)."""

from collections.abc import Callable

import pytest
from django.test import Client

from outings.accounts.models import ApiToken, User
from outings.api.tests.helpers import error_of

pytestmark = pytest.mark.django_db

TOO_MUCH = (
    "The request body is JSON, but nests deeper or holds a longer number than this API reads."
)


def _nested(depth: int, inner: str) -> str:
    return '{"name": "ab", "x": ' + '{"a": ' * depth + inner + "}" * depth + "}"


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_name_given_twice_deeper_than_the_search_for_it_reaches_is_too_deep(
    guest: User, token_for: Callable[[User], str], language: str
) -> None:
    client = Client(
        headers={"Authorization": f"Bearer {token_for(guest)}", "Accept-Language": language}
    )
    before = ApiToken.objects.count()

    response = client.post(
        "/api/v1/me/tokens", _nested(1200, '{"k": 1, "k": 2}'), content_type="application/json"
    )

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["fields"] == {}
    if language == "en":
        assert error["message"] == TOO_MUCH
    else:
        assert error["message"].startswith("Der Inhalt der Anfrage ist JSON")
    assert ApiToken.objects.count() == before


def test_a_name_given_twice_at_a_depth_the_search_reaches_is_still_named(
    guest: User, token_for: Callable[[User], str]
) -> None:
    """The control: a duplicate a few levels down is named, as before."""
    client = Client(headers={"Authorization": f"Bearer {token_for(guest)}"})

    response = client.post(
        "/api/v1/me/tokens", _nested(3, '{"k": 1, "k": 2}'), content_type="application/json"
    )

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"body.payload.x.a.a.a.k": ["Given more than once."]}
