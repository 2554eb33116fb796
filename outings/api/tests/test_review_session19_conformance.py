"""Review (session 19): the API against its own contract (docs/api.md) and its OpenAPI document.
Each test failed on the code it was written against, but those of `Accept`, which pin down
what v1 did undocumented (docs/api.md, "Formats")."""

import io
import json
from typing import Any

import pytest
from django.test import Client

from outings.api.tests.helpers import error_of
from outings.api.tests.test_review_session13_offer import api, host, published
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import ListingFactory, ScheduleFactory, SlotFactory
from outings.hosting.tests.fixtures import PDF, noisy_png, use_media

__all__ = ["api", "host", "published"]  # fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


# --- A date's own places (scheduling 0008) ----------------------------------------------------


def test_a_host_reads_and_edits_whether_a_dates_places_are_its_own(api: Client, published: Listing):
    """A date whose places the host set apart from its rule keeps them when the rule's capacity
    changes (Slot.own_capacity); the host could not tell which dates those were through the
    API."""
    rule = ScheduleFactory.create(listing=published, capacity=12)
    follows, edited = SlotFactory.create_batch(2, listing=published, schedule=rule, capacity=12)
    url = f"/api/v1/host/listings/{published.pk}/slots"

    own = api.patch(
        f"{url}/{edited.pk}", json.dumps({"capacity": 14}), content_type="application/json"
    )
    listed = {item["id"]: item["own_capacity"] for item in api.get(url).json()["items"]}
    back = api.patch(
        f"{url}/{edited.pk}", json.dumps({"capacity": 12}), content_type="application/json"
    )

    assert own.status_code == 200, own.content
    assert own.json()["own_capacity"] is True
    assert listed == {follows.pk: False, edited.pk: True}
    assert back.json()["own_capacity"] is False  # the rule's number again: it follows the rule


def test_the_document_declares_a_dates_own_places(client: Client):
    slot = document(client)["components"]["schemas"]["HostSlotOut"]

    assert slot["properties"]["own_capacity"]["type"] == "boolean"
    assert "own_capacity" in slot["required"]


# --- Accept: v1 answers JSON whatever it says (docs/api.md, "Formats") -------------------------

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json;q=0.5, text/html",
    "application/*",
    "text/html",
    "application/xml",
    "text/csv;q=1, application/json;q=0",
]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_read_answers_json_whatever_the_accept(client: Client, accept: str | None):
    listing = ListingFactory.create(status=Listing.Status.PUBLISHED)
    headers = {} if accept is None else {"Accept": accept}

    found = client.get(f"/api/v1/listings/{listing.pk}", headers=headers)
    missing = client.get("/api/v1/listings/999999999", headers=headers)
    unknown = client.get("/api/v1/no-such-thing", headers=headers)

    assert found.status_code == 200
    assert found["Content-Type"] == "application/json; charset=utf-8"
    assert found.json()["id"] == listing.pk
    # The answer does not depend on it.
    assert "accept" not in [name.strip().lower() for name in found["Vary"].split(",")]
    for error in (missing, unknown):
        assert error.status_code == 404
        assert error["Content-Type"] == "application/json"
        assert error_of(error)["code"] == "not_found"


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "application/json;q=0"])
def test_a_write_answers_json_whatever_the_accept(api: Client, host: Any, accept: str):
    response = api.post(
        "/api/v1/me/tokens",
        json.dumps({"name": "laptop"}),
        content_type="application/json",
        headers={"Accept": accept},
    )

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert response.json()["token"]["name"] == "laptop"


def test_the_document_declares_no_406(client: Client):
    statuses = {
        status
        for item in document(client)["paths"].values()
        for operation in item.values()
        for status in operation["responses"]
    }

    assert "406" not in statuses


# --- 413: declared once, for every operation (outings/api/openapi.py) ---------------------------


def test_every_operation_declares_the_one_413_the_middleware_answers(client: Client):
    """ApiMiddleware refuses a Content-Length above the limit before any route runs, and the
    document declares that 413 on every operation; the routes declared it again (ninja's bare
    "Request Entity Too Large"), so the description depended on which route one read."""
    paths = document(client)["paths"]
    upload = paths.pop("/api/v1/host/listings/{listing_id}/photos").pop("post")
    refusals = {
        operation["responses"]["413"]["description"]
        for item in paths.values()
        for operation in item.values()
    }

    assert refusals == {"Payload Too Large: the Content-Length is above the limit."}
    assert upload["responses"]["413"]["description"] == (
        "Payload Too Large: the Content-Length is above the limit, or a file is larger than "
        "its own."
    )


def test_a_photo_refused_by_its_content_is_replayed_as_the_document_says(
    api: Client, published: Listing, settings: Any, tmp_path: Any, client: Client
):
    """A photo's type and size are checked after its Idempotency-Key is claimed (by content, in
    the service), so that refusal is recorded and replayed with Idempotent-Replayed: the
    document said no 413 or 415 ever is one."""
    use_media(settings, tmp_path / "media")
    settings.PHOTO_MAX_BYTES = 1000
    url = f"/api/v1/host/listings/{published.pk}/photos"

    def upload(content: bytes, key: str) -> Any:
        file = io.BytesIO(content)
        file.name = "photo.png"
        return api.post(url, {"file": file}, headers={"Idempotency-Key": key})

    replayed = {}
    for status, content in ((415, PDF), (413, noisy_png())):
        first, again = upload(content, f"photo-{status}"), upload(content, f"photo-{status}")
        assert (first.status_code, again.status_code) == (status, status)
        assert again["Idempotent-Replayed"] == "true"
        replayed[status] = again.content == first.content
    declared = document(client)["paths"]["/api/v1/host/listings/{listing_id}/photos"]["post"]

    assert replayed == {415: True, 413: True}
    assert not ListingPhoto.objects.exists()
    for code in ("413", "415"):
        assert "Idempotent-Replayed" in declared["responses"][code]["headers"]


# --- Cache-Control and Vary on every read ------------------------------------------------------


def vary_of(response: Any) -> set[str]:
    return {name.strip().lower() for name in response.get("Vary", "").split(",") if name.strip()}


def test_a_hosts_reads_are_never_reused_unchecked_nor_for_another_caller(
    api: Client, published: Listing
):
    """docs/api.md: every read varies on Authorization, Cookie and Accept-Language; an answer
    to a signed-in caller is kept by no shared cache and reused by none without asking
    (`private, max-age=0, must-revalidate` with an ETag, or `no-store`). Five of the host's
    reads said only `private` (the site's default for a signed-in caller), which lets a
    browser's or an app's own cache reuse a slot list the host has just changed, heuristically,
    and without Vary: Authorization hand one host's list to another token of the same client."""
    rule = ScheduleFactory.create(listing=published)
    SlotFactory.create(listing=published, schedule=rule)
    base = f"/api/v1/host/listings/{published.pk}"
    reads = [
        "/api/v1/host/listings",
        f"{base}/photos",
        f"{base}/schedules",
        f"{base}/schedules/{rule.pk}/exceptions",
        f"{base}/slots",
    ]

    for path in reads:
        response = api.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path
        assert {"authorization", "cookie", "accept-language"} <= vary_of(response), path


# --- A body that cannot be read speaks the request's language ------------------------------------


@pytest.mark.parametrize("body", [b"{", b"  ", b"\xff\xfe{}", b'{"name": "laptop"'])
def test_a_body_that_is_not_json_is_refused_in_the_language_asked_for(
    api: Client, host: Any, body: bytes
):
    """docs/api.md, "Errors": the message comes in the request's language; only a schema error
    (pydantic's field messages) is English whole. A body that is no JSON at all was answered
    with ninja's own words, "Cannot parse request body", in English whatever was asked."""
    tokens = host.user.api_tokens.count()
    answers = {
        language: api.post(
            "/api/v1/me/tokens",
            body,
            content_type="application/json",
            headers={"Accept-Language": language},
        )
        for language in ("en", "de")
    }

    assert {language: error_of(r)["message"] for language, r in answers.items()} == {
        "en": "The request body is not JSON in UTF-8.",
        "de": "Der Inhalt der Anfrage ist kein JSON in UTF-8.",
    }
    for response in answers.values():
        assert response.status_code == 400
        assert error_of(response)["code"] == "validation_error"
    assert host.user.api_tokens.count() == tokens


def test_no_read_declares_a_refusal_only_a_write_can_get(client: Client):
    """A read changes nothing, so nothing it does conflicts (409) or reuses a key (422); GET
    /host/listings/{id} declared 409 (the writes' list). (A read may get a 412 since session
    22: If-Match applies to any method, RFC 9110 13.1.1, test_review_session22_preconditions.)"""
    reads = {
        path: sorted({"409", "422"} & set(item["get"]["responses"]))
        for path, item in document(client)["paths"].items()
        if "get" in item
    }

    assert {path: found for path, found in reads.items() if found} == {}


def test_the_document_is_a_cacheable_read_with_an_etag(client: Client, api: Client):
    """The OpenAPI document is the same for everyone until the code changes, and about 260 KB:
    it carried no Cache-Control and no ETag, so every client (Swagger UI on each visit, code
    generators) fetched it whole each time, and no cache could tell when to keep it."""
    first = client.get("/api/v1/openapi.json")
    signed_in = api.get("/api/v1/openapi.json")
    unchanged = client.get("/api/v1/openapi.json", headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=60"
    assert first["ETag"].startswith('"')
    assert signed_in["ETag"] == first["ETag"]
    # The same for every caller: varying on them only split a shared cache's copy (session 21).
    assert vary_of(first) == {"origin"}
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == first["ETag"]
