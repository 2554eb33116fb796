"""Review, session 18: ApiMiddleware refuses a body by its Content-Length (413 above the limit,
400 when it is not a number) before any route runs, on every request under /api/, whatever its
method: a GET that says it sends 100 kB is refused as a POST is. The OpenAPI document declared
these answers on some operations only, so a generated client had no type for them elsewhere."""

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from outings.api.tests.helpers import error_of

pytestmark = pytest.mark.django_db

METHODS = {"get", "put", "post", "delete", "patch"}


def _operations(client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    return [
        (method, path, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _refusal(client: Client, method: str, path: str, length: str) -> Any:
    url = re.sub(r"\{[^}]+\}", "1", path)
    return client.generic(method.upper(), url, b"", CONTENT_LENGTH=length)


def test_every_operation_declares_the_refusals_it_can_answer(client):
    error = {"$ref": "#/components/schemas/ErrorOut"}
    operations = _operations(client)
    assert operations

    for method, path, operation in operations:
        too_large = _refusal(client, method, path, str(settings.API_MAX_UPLOAD_BYTES + 1))
        not_a_number = _refusal(client, method, path, "many")

        assert (too_large.status_code, error_of(too_large)["code"]) == (413, "payload_too_large")
        assert not_a_number.status_code == 400
        for status in ("400", "413"):
            declared = operation["responses"].get(status)
            assert declared is not None, (method, path, status)
            assert declared["content"]["application/json"]["schema"] == error, (method, path)


def test_a_body_too_large_is_never_declared_a_replay(client):
    """It is answered before an Idempotency-Key is claimed. (A 400 may be one: a rule's
    refusal of a request with a key is recorded and replayed. So may an upload's 413: its file
    is checked by its size once the key is claimed, test_review_session19_conformance.py.)"""
    for _method, _path, operation in _operations(client):
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
            continue
        assert "Idempotent-Replayed" not in operation["responses"]["413"].get("headers", {})
