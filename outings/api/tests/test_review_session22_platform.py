"""Session 22, the API platform: OPTIONS on every route, the cursors of an empty page, and the
order in which a request's preconditions are evaluated (RFC 9110 13.2.2)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from outings.accounts import services as account_services
from outings.accounts.models import ApiToken, User
from outings.api.tests.helpers import error_of
from outings.api.tests.test_route_authorization import (
    METHODS,
    PLAIN_STATIC,
    TABLE,
    World,
    api_routes,
    world,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.django_db

Issue = Callable[[User], str]

# The order Allow names methods in: fixed, so that it does not move from one answer to the next.
ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_by_the_table(route: str) -> list[str]:
    methods = {case.method for case in TABLE[route]}
    if "GET" in methods:
        methods.add("HEAD")  # HEAD is answered wherever GET is
    return [method for method in ORDER if method in methods | {"OPTIONS"}]


def every_route(w: World) -> list[tuple[str, str]]:
    """Each route of the URLconf under /api/, with a path of it (the route table's first)."""
    return [(route, TABLE[route][0].path(w)) for route in sorted(api_routes())]


@override_settings(STORAGES=PLAIN_STATIC)
def test_options_answers_every_route_with_the_methods_it_allows(
    world: World,  # noqa: F811 - the fixture imported above
) -> None:
    client = Client()
    answered = {}
    for route, path in every_route(world):
        response = client.options(path)
        answered[route] = (response.status_code, response.get("Allow"), response.content)

    assert answered == {
        route: (204, ", ".join(allowed_by_the_table(route)), b"") for route, _ in every_route(world)
    }


@override_settings(STORAGES=PLAIN_STATIC)
def test_every_405_names_options_among_the_allowed_methods(
    world: World,  # noqa: F811 - the fixture imported above
) -> None:
    client = Client()
    answered = {}
    expected = {}
    for route, path in every_route(world):
        for method in sorted(set(METHODS) - {case.method for case in TABLE[route]}):
            response = getattr(client, method.lower())(path)
            answered[(route, method)] = (response.status_code, response.get("Allow"))
            expected[(route, method)] = (405, ", ".join(allowed_by_the_table(route)))

    assert answered == expected


def test_options_is_answered_whoever_asks_and_caches_nothing(client: Client):
    signed_out = client.options("/api/v1/me/tokens")
    refused_token = client.options(
        "/api/v1/me/tokens", headers={"Authorization": "Bearer out_nonsense"}
    )

    for response in (signed_out, refused_token):
        assert response.status_code == 204
        assert response["Allow"] == "GET, HEAD, POST, OPTIONS"
        assert "Content-Type" not in response
        assert "Content-Length" not in response  # a 204 has none (RFC 9110, 8.6)


def test_options_on_an_unknown_path_is_a_json_404(client: Client):
    response = client.options("/api/v1/nowhere")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_cors_preflight_is_still_answered_by_the_cors_headers(client: Client):
    response = client.options(
        "/api/v1/listings",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "GET"},
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


# --- The cursors of a page that comes back empty ---------------------------------------------


def tokens_page(client: Client, cursor: str | None = None) -> dict[str, Any]:
    query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
    response = client.get(f"/api/v1/me/tokens{query}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


def test_a_forward_page_that_comes_back_empty_leads_back(guest: User, token_for: Issue):
    last = account_services.create_api_token(user=guest, name="a").token
    for name in ("b", "c", "d"):
        account_services.create_api_token(user=guest, name=name)
    client = Client(headers={"Authorization": f"Bearer {token_for(guest)}"})  # "tests", the newest
    second = tokens_page(client, tokens_page(client)["next"])
    client.delete(f"/api/v1/me/tokens/{last.pk}")  # the third page, "a" alone, empties

    emptied = tokens_page(client, second["next"])
    back = tokens_page(client, emptied["previous"])

    assert names(second) == ["c", "b"]
    assert (names(emptied), emptied["next"]) == ([], None)
    assert emptied["previous"] is not None  # a client that paged past the end can go back
    assert names(back) == ["c", "b"]
    assert names(tokens_page(client, back["previous"])) == ["tests", "d"]


def test_a_backward_page_that_comes_back_empty_leads_forward(guest: User, token_for: Issue):
    client = Client(headers={"Authorization": f"Bearer {token_for(guest)}"})  # "tests", the oldest
    for name in ("a", "b"):
        account_services.create_api_token(user=guest, name=name)
    newest = [account_services.create_api_token(user=guest, name=name).token for name in "cd"]
    second = tokens_page(client, tokens_page(client)["next"])
    for token in newest:  # the page before the second, "d" and "c", empties
        client.delete(f"/api/v1/me/tokens/{token.pk}")

    emptied = tokens_page(client, second["previous"])
    forward = tokens_page(client, emptied["next"])

    assert names(second) == ["b", "a"]
    assert (names(emptied), emptied["previous"]) == ([], None)
    assert emptied["next"] is not None  # a client that paged back past the start can go on
    assert names(forward) == ["b", "a"]
    assert names(tokens_page(client, forward["next"])) == ["tests"]


# --- What Django reads leniently: a Content-Length and a query string ------------------------


BODY = b'{"name":"ab"}'  # 13 bytes


@pytest.mark.parametrize("length", ["+13", "\u0661\u0663", " 13 ", "1_3", "13.0", "0xd"])
def test_a_content_length_that_is_not_digits_is_refused_before_anything_runs(
    guest: User, token_for: Issue, length: str
):
    """RFC 9110 (8.6): Content-Length = 1*DIGIT. Python's int() read "+13", Arabic-Indic
    digits, " 13 " and "1_3" as 13, and the body was read so: the token was created."""
    client = Client(headers={"Authorization": f"Bearer {token_for(guest)}"})
    before = ApiToken.objects.count()

    response = client.generic(
        "POST", "/api/v1/me/tokens", BODY, content_type="application/json", CONTENT_LENGTH=length
    )

    assert response.status_code == 400
    assert error_of(response)["message"] == "Content-Length is not a number."
    assert ApiToken.objects.count() == before


def test_a_content_length_in_digits_is_read(guest: User, token_for: Issue):
    client = Client(headers={"Authorization": f"Bearer {token_for(guest)}"})

    response = client.generic(
        "POST", "/api/v1/me/tokens", BODY, content_type="application/json", CONTENT_LENGTH="13"
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=%FF%FE", "query.q"),  # a search for two U+FFFD, found nothing: a 200
        ("cursor=%C3", "query.cursor"),
        ("limit=1&caf%E9=1", "query.caf\N{REPLACEMENT CHARACTER}"),
    ],
)
def test_a_query_string_that_is_not_utf8_is_a_400_naming_the_parameter(
    client: Client, query: str, field: str
):
    """Django reads it with each undecodable byte replaced (U+FFFD), silently: the answer was
    to a request the client did not make."""
    response = client.get(f"/api/v1/search?{query}")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["fields"] == {field: ["Not UTF-8."]}


def test_a_query_string_in_utf8_is_read_as_before(client: Client):
    assert client.get("/api/v1/search?q=caf%C3%A9&limit=1").status_code == 200
    assert client.get("/api/v1/search?q=caf\N{LATIN SMALL LETTER E WITH ACUTE}").status_code == 200


# --- JSON that is JSON, but more than the reader takes ---------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"name": ' + "[" * 5000 + "]" * 5000 + "}",  # deeper than Python's reader recurses
        '{"name": "ab", "n": 1' + "0" * 5000 + "}",  # longer than int() converts (4,300)
    ],
    ids=["deep", "long number"],
)
def test_json_nested_too_deep_or_with_too_long_a_number_is_not_called_no_json(
    guest: User, token_for: Issue, body: str
):
    """Both are JSON (RFC 8259 lets a reader limit depth and numbers): the 400 said "The
    request body is not JSON in UTF-8.", sending a client author to look for what is not."""
    client = Client(headers={"Authorization": f"Bearer {token_for(guest)}"})
    before = ApiToken.objects.count()

    response = client.post("/api/v1/me/tokens", body, content_type="application/json")

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "validation_error",
        "message": "The request body is JSON, but nests deeper or holds a longer number than "
        "this API reads.",
        "fields": {},
    }
    assert ApiToken.objects.count() == before
