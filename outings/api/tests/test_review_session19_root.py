"""Review (session 19): the API's own address answered HTML. `GET /api/v1` was a 301 (an HTML
redirect from CommonMiddleware's APPEND_SLASH) to `/api/v1/`, which was a 404: a client (or a
person) trying the base address a README gives found nothing, and no JSON. Both now answer 200
with where the document and the docs are (docs/api.md, the first lines)."""

import pytest
from django.test import Client

from outings.api.tests.helpers import error_of

pytestmark = pytest.mark.django_db

INDEX = {
    "name": "Outings API",
    "version": "1",
    "openapi": "/api/v1/openapi.json",
    "docs": "/api/v1/docs",
}


@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/"])
def test_the_apis_address_answers_where_its_document_and_docs_are(client: Client, path: str):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == INDEX


def test_the_links_of_the_index_answer(client: Client):
    for link in ("openapi", "docs"):
        assert client.get(INDEX[link]).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/"])
def test_a_write_to_the_apis_address_is_refused_in_the_error_shape(client: Client, path: str):
    response = client.post(path, "{}", content_type="application/json")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_the_index_is_a_public_read_with_an_etag(client: Client):
    first = client.get("/api/v1/")
    again = client.get("/api/v1/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_an_unknown_address_under_the_api_is_still_a_json_404(client: Client):
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
