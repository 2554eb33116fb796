"""Review of the API platform: failing tests for defects found in outings/api/.

1. More query parameters than Django agrees to parse (DATA_UPLOAD_MAX_NUMBER_FIELDS) raise
   TooManyFieldsSent, which no handler maps, so bad input is answered 500 server_error.
2. Cursors are signed with a TimestampSigner (signing.dumps), so the same page's `next` cursor,
   and with it the page's ETag, changes every second: an unchanged list never answers 304 once
   a second has passed (docs/api.md, "Caching and conditional requests").
"""

import time

import pytest
from django.conf import settings

from outings.api.tests.helpers import bearer, error_of
from outings.catalog.tests.factories import category

pytestmark = pytest.mark.django_db


# --- 1. Too many query parameters: a 500 instead of a 400 -----------------------------------


def _many_params() -> str:
    # Unknown query parameters are ignored (docs/api.md, "Errors"); past Django's limit on how
    # many it parses, the request is bad input, which must be a 4xx in the shape.
    count = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1
    return "&".join(f"_{index}=1" for index in range(count))


def test_too_many_query_parameters_on_a_public_read_are_a_400_not_a_500(client):
    response = client.get(f"/api/v1/categories?{_many_params()}")

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"


def test_too_many_query_parameters_on_a_private_read_are_a_400_not_a_500(client, guest_token):
    response = client.get(f"/api/v1/me/tokens?{_many_params()}", **bearer(guest_token))

    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"


# --- 2. A page's ETag changes every second, because its cursor does --------------------------


def test_an_unchanged_page_with_a_next_cursor_keeps_its_etag_after_a_second(client):
    for slug in ("tours", "food", "music"):
        category(slug)
    first = client.get("/api/v1/categories?limit=2")
    assert first.json()["next"] is not None

    time.sleep(1.1)  # the cursor's signature carries the time in whole seconds
    again = client.get("/api/v1/categories?limit=2", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
