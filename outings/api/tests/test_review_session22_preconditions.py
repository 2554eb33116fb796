"""Session 22: the preconditions of a request evaluated in RFC 9110's order (13.2.2), on every
method. A GET ignored If-Match (13.1.1: it applies to any method; a GET with one that names no
current entity tag is a 412), and a write to a versioned record did not compare an entity tag
in If-None-Match (13.1.2: "only if it is no longer at this version"), only `*`."""

import json
from typing import Any

import pytest
from django.test import Client

from outings.api.main import api as ninja_api
from outings.api.tests.helpers import error_of
from outings.api.tests.test_hosting_api import tours
from outings.api.tests.test_review_session13_offer import api, host, published
from outings.api.tests.test_review_session15_versions import EDITS, stale_edit
from outings.api.tests.test_review_session16_if_match import WRITES
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory

__all__ = ["api", "host", "published", "tours"]  # fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges", "tours")]


# --- If-Match on a read ----------------------------------------------------------------------


def read(client: Client, url: str, **headers: str) -> Any:
    return client.get(url, headers={k.replace("_", "-"): v for k, v in headers.items()})


def test_a_get_whose_if_match_names_no_current_etag_is_a_412(client: Client):
    listing = ListingFactory.create()
    url = f"/api/v1/listings/{listing.pk}"
    etag = client.get(url)["ETag"]

    stale = read(client, url, If_Match='"stale"')
    weak = read(client, url, If_Match=f"W/{etag}")  # If-Match compares strongly

    for refused in (stale, weak):
        assert refused.status_code == 412, refused.content
        assert error_of(refused)["code"] == "precondition_failed"
        assert list(error_of(refused)["fields"]) == ["header.If-Match"]
        assert refused["Cache-Control"] == "no-store"


@pytest.mark.parametrize("condition", ["current", '"stale", current', "*"])
def test_a_get_whose_if_match_holds_answers_as_without(client: Client, condition: str):
    listing = ListingFactory.create()
    url = f"/api/v1/listings/{listing.pk}"
    plain = client.get(url)

    response = read(client, url, If_Match=condition.replace("current", plain["ETag"]))

    assert (response.status_code, response.content) == (200, plain.content)


def test_if_match_is_evaluated_before_if_none_match(client: Client):
    listing = ListingFactory.create()
    url = f"/api/v1/listings/{listing.pk}"
    etag = client.get(url)["ETag"]

    both_hold = read(client, url, If_Match=etag, If_None_Match=etag)
    if_match_fails = read(client, url, If_Match='"stale"', If_None_Match=etag)

    assert both_hold.status_code == 304
    assert if_match_fails.status_code == 412


def test_a_head_whose_if_match_fails_is_a_412_without_a_body(client: Client):
    listing = ListingFactory.create()

    response = client.head(f"/api/v1/listings/{listing.pk}", headers={"If-Match": '"stale"'})

    assert (response.status_code, response.content) == (412, b"")


def test_a_read_without_an_etag_has_none_to_match(client: Client, guest_token: str):
    auth = {"Authorization": f"Bearer {guest_token}"}

    tagged = client.get("/api/v1/me/tokens", headers={**auth, "If-Match": '"anything"'})
    star = client.get("/api/v1/me/tokens", headers={**auth, "If-Match": "*"})

    assert tagged.status_code == 412
    assert error_of(tagged)["code"] == "precondition_failed"
    assert star.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/listings/999999999", "/api/v1/listings?limit=0"])
def test_a_read_that_fails_anyway_ignores_if_match(client: Client, path: str):
    """RFC 9110 13.2.1: preconditions are ignored where the answer without them is no 2xx."""
    response = client.get(path, headers={"If-Match": '"stale"'})

    assert response.status_code in (400, 404)


def test_the_document_and_the_address_take_if_match_too(client: Client):
    for url in ("/api/v1/openapi.json", "/api/v1/"):
        etag = client.get(url)["ETag"]

        assert read(client, url, If_Match=etag).status_code == 200
        assert read(client, url, If_Match='"stale"').status_code == 412


def reads_without(header: str, status: int) -> list[str]:
    """The paths whose GET does not declare `header` and the `status` it may answer."""
    document = ninja_api.get_openapi_schema()
    return [
        path
        for path, item in document["paths"].items()
        if "get" in item
        and not (
            header in {p["name"] for p in item["get"]["parameters"] if p["in"] == "header"}
            and status in item["get"]["responses"]
        )
    ]


def test_every_read_declares_if_match_and_its_412():
    assert reads_without("If-Match", 412) == []


# --- If-None-Match with an entity tag on a write to a versioned record -----------------------


@EDITS
@pytest.mark.parametrize("tag", ['"{v}"', 'W/"{v}"', '"0", "{v}"'], ids=["strong", "weak", "list"])
def test_an_edit_whose_if_none_match_names_the_current_version_is_a_412(
    api: Client, published: Listing, make: Any, tag: str
):
    edit, seen = stale_edit(api, published, make)
    current = seen + 1

    response = edit.send(
        {edit.field: edit.second, "version": current}, {"If-None-Match": tag.format(v=current)}
    )

    assert response.status_code == 412, response.content
    assert error_of(response)["code"] == "precondition_failed"
    assert (edit.value(), edit.version()) == (edit.first, current)


@EDITS
def test_an_edit_whose_if_none_match_names_an_old_version_goes_ahead(
    api: Client, published: Listing, make: Any
):
    edit, seen = stale_edit(api, published, make)

    response = edit.send(
        {edit.field: edit.second, "version": seen + 1},
        {"If-None-Match": f'"{seen}"', "If-Match": f'"{seen + 1}"'},
    )

    assert response.status_code == 200, response.content
    assert edit.value() == edit.second


@WRITES
def test_a_change_whose_if_none_match_names_the_current_version_is_a_412(
    api: Client, host: Any, make: Any
):
    write = make(api, host)
    now = write.etag()

    response = write.send({"If-None-Match": now})

    assert response.status_code == 412, response.content
    assert error_of(response)["code"] == "precondition_failed"
    assert not write.done()
    assert write.etag() == now


@WRITES
def test_a_change_whose_if_none_match_names_an_old_version_goes_ahead(
    api: Client, host: Any, make: Any
):
    write = make(api, host)
    seen = write.etag()
    write.edit()

    response = write.send({"If-None-Match": seen})

    assert response.status_code == write.status, response.content
    assert write.done()


def test_a_profile_edit_whose_if_none_match_names_the_profile_as_it_is_is_a_412(
    client: Client, guest: Any, guest_token: str
):
    auth = {"Authorization": f"Bearer {guest_token}"}
    etag = client.get("/api/v1/me", headers=auth)["ETag"]

    def patch(name: str, condition: str) -> Any:
        body = json.dumps({"first_name": name})
        headers = {**auth, "If-None-Match": condition}
        return client.patch("/api/v1/me", body, content_type="application/json", headers=headers)

    refused = patch("Lin", etag)
    weak = patch("Lin", f"W/{etag}")
    changed = patch("Grace", '"something else"')

    assert (refused.status_code, weak.status_code, changed.status_code) == (412, 412, 200)
    assert error_of(refused)["code"] == "precondition_failed"
    guest.refresh_from_db()
    assert guest.first_name == "Grace"


def test_a_retry_with_another_if_none_match_is_another_request(api: Client, published: Listing):
    """The condition is part of what a keyed request asks, as If-Match is: not the first
    answer replayed to a request that asks something else."""
    url = f"/api/v1/host/listings/{published.pk}/pause"
    current = f'"{published.version}"'

    first = api.generic("POST", url, headers={"If-None-Match": current, "Idempotency-Key": "k"})
    again = api.generic("POST", url, headers={"If-None-Match": '"0"', "Idempotency-Key": "k"})

    assert first.status_code == 412
    assert again.status_code == 422
    assert Listing.objects.get(pk=published.pk).status == Listing.Status.PUBLISHED
