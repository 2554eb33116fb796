"""Session 21, the API platform's edges: preconditions a write did not evaluate, bodies a DELETE
did not read. Every write of the route table is run as its owner, so a new write is covered
once it has its row there (test_route_authorization.py)."""

import io
import json
from typing import Any

import pytest
from django.db import models
from django.test import Client, override_settings

from outings.accounts.models import ApiToken, User
from outings.api.models import IdempotencyKey
from outings.api.openapi import NO_ETAG_IF_MATCH
from outings.api.tests.helpers import error_of
from outings.api.tests.test_route_authorization import (
    PLAIN_STATIC,
    ROLES,
    TABLE,
    Case,
    World,
    client_for,
    world,  # noqa: F401 - the fixture
)
from outings.bookings.models import Booking, BookingEvent, Transfer, WaitlistEntry
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.common.models import OutboxMessage
from outings.hosting.tests.fixtures import png, use_media
from outings.notifications.models import EmailPreferences, Notification
from outings.scheduling.models import Schedule, ScheduleException, Slot

pytestmark = pytest.mark.django_db

WATCHED: tuple[type[models.Model], ...] = (
    User,
    ApiToken,
    Listing,
    ListingPhoto,
    Schedule,
    ScheduleException,
    Slot,
    Booking,
    BookingEvent,
    Transfer,
    WaitlistEntry,
    Notification,
    EmailPreferences,
    IdempotencyKey,
    OutboxMessage,
)
JSON = "application/json"


def everything() -> dict[str, list[dict[str, Any]]]:
    """Every row a write of the API could touch, to show that a refused one touched none (but
    what any request of its caller writes: when a token was last used, the site language a
    session's first request keeps, outings.accounts.middleware)."""
    rows = {
        model.__name__: list(model._default_manager.order_by("pk").values()) for model in WATCHED
    }
    for token in rows["ApiToken"]:
        del token["last_used_at"]
    for user in rows["User"]:
        del user["site_language"]
    return rows


def owned(method: str) -> list[tuple[str, int]]:
    """The cases of the route table with `method` that succeed for some role."""
    return [
        (route, index)
        for route, cases in TABLE.items()
        for index, case in enumerate(cases)
        if case.method == method and any(200 <= status < 300 for status in case.expected.values())
    ]


WRITES = [case for method in ("POST", "PUT", "PATCH", "DELETE") for case in owned(method)]
DELETES = owned("DELETE")


def as_owner(w: World, route: str, index: int) -> tuple[Case, str, Client, str]:
    case = TABLE[route][index]
    role = next(role for role in ROLES if 200 <= case.expected[role] < 300)
    return case, role, client_for(role, w), case.path(w)


def send(
    client: Client,
    method: str,
    path: str,
    body: bytes | None,
    *,
    content_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> Any:
    if body is None:
        return client.generic(method, path, headers=headers or {})
    return client.generic(method, path, body, content_type=content_type, headers=headers or {})


def body_of(case: Case, w: World) -> bytes | None:
    body = case.body(w) if callable(case.body) else case.body
    if body is None and case.method in ("POST", "PUT", "PATCH"):
        return b"{}"
    return None if body is None else json.dumps(body).encode()


# --- If-Match on every write: evaluated, never ignored ---------------------------------------


CONDITIONS = {
    # RFC 9110 (13.1.1): a server evaluates If-Match and does not perform the method when it is
    # false. A write on a versioned record compares it with the record's version; every other
    # one (a token revoked, a booking cancelled, a waiting list left) changes what has no ETag,
    # which no entity tag can name. They ignored it until session 21: `DELETE /me/tokens/{id}`
    # with a stale If-Match revoked the token (204). `*` asks only that the target exists.
    "If-Match": ('"stale"', "*"),
    # 13.1.2: `*` asks that the target has no current representation ("only if it is not there
    # yet", a PUT that must not overwrite): every write here acts on what exists (a record, or
    # the list a new one joins), so it is false. It was ignored: the write overwrote. A tag
    # that names nothing current asks for nothing.
    "If-None-Match": ("*", '"x"'),
}


@override_settings(STORAGES=PLAIN_STATIC)
@pytest.mark.parametrize(("route", "index"), WRITES, ids=[f"{r} {i}" for r, i in WRITES])
@pytest.mark.parametrize("header", CONDITIONS)
def test_every_write_refuses_a_false_precondition_and_changes_nothing(
    world: World,  # noqa: F811 - the fixture imported above
    route: str,
    index: int,
    header: str,
) -> None:
    case, role, client, path = as_owner(world, route, index)
    body = body_of(case, world)
    false, true = CONDITIONS[header]
    before = everything()

    refused = send(client, case.method, path, body, headers={**(case.headers or {}), header: false})

    assert refused.status_code == 412, refused.content
    error = error_of(refused)
    assert error["code"] == "precondition_failed"
    assert set(error["fields"]) <= {f"header.{header}"}  # a versioned record's 412 names none
    assert refused["Cache-Control"] == "no-store"
    assert everything() == before
    # Nothing was done: the same request with a condition that holds still does it.
    done = send(client, case.method, path, body, headers={**(case.headers or {}), header: true})
    assert done.status_code == case.expected[role], done.content


def test_if_none_match_star_is_told_by_name(client, guest, token_for):
    response = client.patch(
        "/api/v1/me",
        {"last_name": "Walker"},
        content_type=JSON,
        headers={"Authorization": f"Bearer {token_for(guest)}", "If-None-Match": "*"},
    )

    assert response.status_code == 412
    assert error_of(response)["fields"] == {"header.If-None-Match": ["It exists already."]}
    guest.refresh_from_db()
    assert guest.last_name != "Walker"


def test_a_token_revoked_with_a_stale_if_match_stays_active_and_is_told_why(
    client, guest, token_for
):
    secret = token_for(guest)
    token = ApiToken.objects.get(user=guest)

    response = client.delete(
        f"/api/v1/me/tokens/{token.pk}",
        headers={"Authorization": f"Bearer {secret}", "If-Match": '"1", W/"2"'},
    )

    assert response.status_code == 412
    error = error_of(response)
    assert error["message"].startswith("What this request changes has no ETag")
    assert error["fields"] == {"header.If-Match": ["Nothing here has an ETag to match."]}
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_refusal_of_an_if_match_speaks_the_callers_language(client, guest, token_for):
    token = token_for(guest)
    token_id = ApiToken.objects.get(user=guest).pk

    response = client.delete(
        f"/api/v1/me/tokens/{token_id}",
        headers={"Authorization": f"Bearer {token}", "If-Match": '"1"', "Accept-Language": "de"},
    )

    assert response.status_code == 412
    error = error_of(response)
    assert error["message"].startswith("Was diese Anfrage ändert, hat kein ETag")
    assert error["fields"] == {"header.If-Match": ["Hier gibt es kein ETag zum Vergleichen."]}


def test_a_photo_uploaded_with_a_stale_if_match_is_412_and_stores_nothing(
    settings, tmp_path, token_for
):
    """The upload's case in the route table is a 400 (a JSON body carries no file)."""
    use_media(settings, tmp_path / "media")
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, status=Listing.Status.DRAFT)
    photo = io.BytesIO(png())
    photo.name = "photo.png"

    response = Client().post(
        f"/api/v1/host/listings/{listing.pk}/photos",
        {"file": photo, "alt_text": "A boat"},
        headers={"Authorization": f"Bearer {token_for(host.user)}", "If-Match": '"1"'},
    )

    assert response.status_code == 412, response.content
    assert not ListingPhoto.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_every_write_declares_the_if_match_it_evaluates_and_its_412(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    error = {"$ref": "#/components/schemas/ErrorOut"}
    writes = [
        (method, path, operation)
        for path, item in paths.items()
        for method, operation in item.items()
        if method in ("post", "put", "patch", "delete")
    ]
    assert len(writes) > 30

    for method, path, operation in writes:
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers.count("If-Match") == 1, (method, path)
        assert headers.count("If-None-Match") == 1, (method, path)
        refused = operation["responses"]["412"]
        assert refused["content"]["application/json"]["schema"] == error
        if NO_ETAG_IF_MATCH in operation["parameters"]:
            assert "Idempotent-Replayed" not in refused.get("headers", {}), (method, path)
    for path, item in paths.items():
        if "get" in item:  # a read evaluates it too since session 22 (RFC 9110 13.1.1)
            headers = [p["name"] for p in item["get"]["parameters"] if p["in"] == "header"]
            assert headers.count("If-Match") == 1, path


# --- A DELETE reads its body as a POST that takes none does --------------------------------


@override_settings(STORAGES=PLAIN_STATIC)
@pytest.mark.parametrize(("route", "index"), DELETES, ids=[f"{r} {i}" for r, i in DELETES])
@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        (b'{"reason": "moved"}', JSON, 400, "body.payload.reason"),
        (b"reason=moved", "application/x-www-form-urlencoded", 415, "header.Content-Type"),
        (b"[]", JSON, 400, None),
    ],
    ids=["a field", "a form", "not an object"],
)
def test_every_delete_refuses_a_body_that_says_something_and_deletes_nothing(
    world: World,  # noqa: F811 - the fixture imported above
    route: str,
    index: int,
    body: bytes,
    content_type: str,
    status: int,
    field: str | None,
) -> None:
    """A DELETE ignored whatever body came with it, where a POST that takes none refuses a field
    (session 20, NoBody): `{"reason": ...}` on a withdrawal withdrew and the client never learnt
    its reason was not read."""
    case, role, client, path = as_owner(world, route, index)
    before = everything()

    refused = send(client, "DELETE", path, body, content_type=content_type)

    assert refused.status_code == status, refused.content
    if field is not None:
        assert field in error_of(refused)["fields"]
    assert everything() == before
    done = send(client, "DELETE", path, None)
    assert done.status_code == case.expected[role], done.content


@override_settings(STORAGES=PLAIN_STATIC)
@pytest.mark.parametrize(("route", "index"), DELETES, ids=[f"{r} {i}" for r, i in DELETES])
@pytest.mark.parametrize("body", [b"", b"{}", b"null"], ids=["empty", "{}", "null"])
def test_every_delete_takes_an_empty_body_as_none(
    world: World,  # noqa: F811 - the fixture imported above
    route: str,
    index: int,
    body: bytes,
) -> None:
    case, role, client, path = as_owner(world, route, index)

    done = send(client, "DELETE", path, body)

    assert done.status_code == case.expected[role], done.content


def test_every_delete_declares_its_optional_empty_body(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    deletes = [(path, item["delete"]) for path, item in paths.items() if "delete" in item]
    assert len(deletes) == len(DELETES)

    for path, operation in deletes:
        assert operation["requestBody"]["required"] is False, path
        assert set(operation["requestBody"]["content"]) == {JSON}, path
        assert "415" in operation["responses"], path


# --- The document and the API's address: the same for everyone, cached so -------------------


def vary_of(response: Any) -> set[str]:
    return {name.strip().lower() for name in response.get("Vary", "").split(",") if name.strip()}


def callers(user: User, secret: str) -> dict[str, tuple[Client, dict[str, str]]]:
    session = Client()
    session.force_login(user)
    return {
        "anonymous": (Client(), {}),
        "token": (Client(), {"Authorization": f"Bearer {secret}"}),
        "session": (session, {}),
        "german": (Client(), {"Accept-Language": "de"}),
        "session in german": (session, {"Accept-Language": "de-DE"}),
    }


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/", "/api/v1"])
def test_the_document_is_one_answer_for_every_caller_and_a_shared_cache_may_keep_it_once(
    guest, token_for, path
):
    """The document (and the address that names it) is built from the code alone, the same bytes
    and ETag for every caller in every language, and public; but it said `Vary: Authorization,
    Cookie, Accept-Language`, so a shared cache kept one copy per token, per session cookie and
    per language list (for a signed-in visitor, one per request as the cookie changes), and
    `Content-Language: de` on the English document of a German reader."""
    answers = {
        name: client.get(path, headers=headers)
        for name, (client, headers) in callers(guest, token_for(guest)).items()
    }
    first = answers["anonymous"]

    for name, answer in answers.items():
        assert answer.status_code == 200, name
        assert answer.content == first.content, name
        assert answer["ETag"] == first["ETag"], name
        assert answer["Cache-Control"] == "public, max-age=60", name
        # Origin alone, which django-cors-headers adds to every answer under /api/.
        assert vary_of(answer) == {"origin"}, name
        assert answer["Content-Language"] == "en", name


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/"])
def test_the_documents_304_carries_the_same_cache_headers(guest, token_for, path):
    etag = Client().get(path)["ETag"]

    for name, (client, headers) in callers(guest, token_for(guest)).items():
        unchanged = client.get(path, headers={**headers, "If-None-Match": etag})

        assert unchanged.status_code == 304, name
        assert unchanged["ETag"] == etag, name
        assert unchanged["Cache-Control"] == "public, max-age=60", name
        assert vary_of(unchanged) == {"origin"}, name
