"""Review (session 16): `If-Match` on the writes of a versioned record that take no version in
their body: a listing's state changes, deleting a photo or a schedule rule, cancelling a date.
They ignored the header, so a client saying "only if it is still as I saw it" deleted or changed
what another editor had changed meanwhile (a silent overwrite, DESIGN.md invariant 5). A stale
one is now `412 precondition_failed`, nothing changed; a current one, `*` or none writes as
before (docs/api.md, "No silent overwrite")."""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from django.test import Client

from outings.api.tests.helpers import error_of
from outings.api.tests.test_hosting_api import BODY, tours
from outings.api.tests.test_review_session13_offer import api, host, published
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, SlotFactory
from outings.scheduling.models import Schedule, Slot

__all__ = ["api", "host", "published", "tours"]  # fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges", "tours")]

Status = Listing.Status


@dataclass
class Write:
    """A write on a versioned record that takes no version in its body: `send(headers)` makes
    it; `edit()` changes the record as another editor would (its version moves); `etag()` is
    the record's ETag now; `done()` says whether the write happened; `status` is its success."""

    send: Callable[[dict[str, str]], Any]
    edit: Callable[[], None]
    etag: Callable[[], str]
    done: Callable[[], bool]
    status: int


def _edited(response: Any) -> None:
    assert response.status_code == 200, response.content


def _send_json(method: Callable[..., Any], url: str, body: dict[str, object]) -> None:
    _edited(method(url, json.dumps(body), content_type="application/json"))


def _listing_change(action: str, before: str, after: str) -> Callable[[Client, Any], Write]:
    def make(api: Client, host: Any) -> Write:
        listing = ListingFactory.create(host=host, status=before)
        url = f"/api/v1/host/listings/{listing.pk}"

        def version() -> int:
            return Listing.objects.get(pk=listing.pk).version

        return Write(
            send=lambda headers: api.generic("POST", f"{url}/{action}", headers=headers),
            edit=lambda: _send_json(api.put, url, {**BODY, "version": version()}),
            etag=lambda: f'"{version()}"',
            done=lambda: Listing.objects.get(pk=listing.pk).status == after,
            status=200,
        )

    make.__name__ = f"{action}_listing"
    return make


def delete_photo(api: Client, host: Any) -> Write:
    listing = ListingFactory.create(host=host)
    photo = ListingPhoto.objects.create(
        listing=listing, image="0.png", width=800, height=600, position=0
    )
    url = f"/api/v1/host/listings/{listing.pk}/photos/{photo.pk}"

    def version() -> int:
        return ListingPhoto.objects.get(pk=photo.pk).version

    return Write(
        send=lambda headers: api.delete(url, headers=headers),
        edit=lambda: _send_json(api.patch, url, {"alt_text": "Pier", "version": version()}),
        etag=lambda: f'"{version()}"',
        done=lambda: not ListingPhoto.objects.filter(pk=photo.pk).exists(),
        status=204,
    )


RULE = {"weekdays": [0], "start_times": ["10:00"], "valid_from": "2030-06-03", "capacity": 6}


def delete_schedule(api: Client, host: Any) -> Write:
    listing = ListingFactory.create(host=host)
    base = f"/api/v1/host/listings/{listing.pk}/schedules"
    created = api.post(base, json.dumps(RULE), content_type="application/json")
    assert created.status_code == 201, created.content
    schedule_id = created.json()["id"]
    url = f"{base}/{schedule_id}"

    def version() -> int:
        return Schedule.objects.get(pk=schedule_id).version

    return Write(
        send=lambda headers: api.delete(url, headers=headers),
        edit=lambda: _send_json(api.put, url, {**RULE, "capacity": 8, "version": version()}),
        etag=lambda: f'"{version()}"',
        done=lambda: not Schedule.objects.filter(pk=schedule_id).exists(),
        status=204,
    )


def cancel_slot(api: Client, host: Any) -> Write:
    listing = ListingFactory.create(host=host)
    slot = SlotFactory.create(listing=listing, capacity=10)
    url = f"/api/v1/host/listings/{listing.pk}/slots/{slot.pk}"

    def version() -> int:
        return Slot.objects.get(pk=slot.pk).version

    return Write(
        send=lambda headers: api.generic("POST", f"{url}/cancel", headers=headers),
        edit=lambda: _send_json(api.patch, url, {"capacity": 12, "version": version()}),
        etag=lambda: f'"{version()}"',
        done=lambda: Slot.objects.get(pk=slot.pk).status == Slot.Status.CANCELLED,
        status=200,
    )


WRITES = pytest.mark.parametrize(
    "make",
    [
        _listing_change("submit", Status.DRAFT, Status.SUBMITTED),
        _listing_change("pause", Status.PUBLISHED, Status.PAUSED),
        _listing_change("resume", Status.PAUSED, Status.PUBLISHED),
        _listing_change("archive", Status.PUBLISHED, Status.ARCHIVED),
        delete_photo,
        delete_schedule,
        cancel_slot,
    ],
    ids=lambda make: make.__name__,
)


@WRITES
def test_a_stale_if_match_is_a_412_and_changes_nothing(api, host, make):
    """Bug: the header was ignored and the write went ahead on what another editor changed."""
    write = make(api, host)
    seen = write.etag()
    write.edit()
    now = write.etag()

    response = write.send({"If-Match": seen})

    assert response.status_code == 412, response.content
    assert error_of(response)["code"] == "precondition_failed"
    assert not write.done()
    assert write.etag() == now


@WRITES
def test_a_current_if_match_writes(api, host, make):
    write = make(api, host)
    write.edit()

    response = write.send({"If-Match": write.etag()})

    assert response.status_code == write.status, response.content
    assert write.done()


@WRITES
def test_any_current_one_of_several_etags_writes(api, host, make):
    write = make(api, host)
    seen = write.etag()
    write.edit()

    response = write.send({"If-Match": f'{seen}, "999999", {write.etag()}'})

    assert response.status_code == write.status, response.content
    assert write.done()


@WRITES
def test_a_weak_etag_never_matches(api, host, make):
    write = make(api, host)

    response = write.send({"If-Match": f"W/{write.etag()}"})

    assert response.status_code == 412, response.content
    assert error_of(response)["code"] == "precondition_failed"
    assert not write.done()


@WRITES
@pytest.mark.parametrize("headers", [{}, {"If-Match": "*"}], ids=["absent", "star"])
def test_without_a_version_the_write_stays_unconditional(api, host, make, headers):
    """v1 took these writes without a version: they still do (an optional input)."""
    write = make(api, host)
    write.edit()

    response = write.send(headers)

    assert response.status_code == write.status, response.content
    assert write.done()


def test_another_hosts_listing_stays_a_404_with_if_match(api):
    """An If-Match that could be current tells nothing about another host's listing."""
    other = ListingFactory.create(host=HostProfileFactory.create())
    url = f"/api/v1/host/listings/{other.pk}/pause"

    assert api.generic("POST", url, headers={"If-Match": f'"{other.version}"'}).status_code == 404
    assert Listing.objects.get(pk=other.pk).status == Status.PUBLISHED


# --- With an Idempotency-Key -------------------------------------------------------------------


def test_a_retry_with_the_key_replays_the_412(api, published):
    seen = f'"{published.version}"'
    Listing.objects.filter(pk=published.pk).update(version=published.version + 1)
    headers = {"If-Match": seen, "Idempotency-Key": "pause-1"}
    url = f"/api/v1/host/listings/{published.pk}/pause"

    first = api.generic("POST", url, headers=headers)
    again = api.generic("POST", url, headers=headers)

    assert first.status_code == again.status_code == 412
    assert again["Idempotent-Replayed"] == "true"
    assert Listing.objects.get(pk=published.pk).status == Status.PUBLISHED


def test_the_key_with_another_if_match_is_another_request(api, published):
    """A client that read the listing again and sends its new ETag is asking something else:
    `422 idempotency_key_reused`, not the first answer's 412 replayed as if it were the same."""
    seen = f'"{published.version}"'
    Listing.objects.filter(pk=published.pk).update(version=published.version + 1)
    url = f"/api/v1/host/listings/{published.pk}/pause"

    first = api.generic("POST", url, headers={"If-Match": seen, "Idempotency-Key": "pause-2"})
    again = api.generic(
        "POST",
        url,
        headers={"If-Match": f'"{published.version + 1}"', "Idempotency-Key": "pause-2"},
    )

    assert first.status_code == 412
    assert again.status_code == 422
    assert error_of(again)["code"] == "idempotency_key_reused"
    assert Listing.objects.get(pk=published.pk).status == Status.PUBLISHED


# --- Two clients holding the same ETag: exactly one wins ----------------------------------------


def _race(requests: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    start = threading.Barrier(len(requests))
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def fire(request: Callable[[], httpx.Response]) -> None:
        start.wait()
        answer = request()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=fire, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.django_db(transaction=True)
def test_of_two_state_changes_on_one_etag_exactly_one_wins(live_server, token_for):
    """Paused and archived at once from the same read: without the check under the listing's
    lock both go through (paused, then archived over the pause)."""
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, status=Status.PUBLISHED)
    token = token_for(host.user)
    headers = {"Authorization": f"Bearer {token}", "If-Match": f'"{listing.version}"'}
    url = f"{live_server.url}/api/v1/host/listings/{listing.pk}"

    answers = _race(
        [
            lambda: httpx.post(f"{url}/pause", headers=headers, timeout=30),
            lambda: httpx.post(f"{url}/archive", headers=headers, timeout=30),
        ]
    )

    assert sorted(answer.status_code for answer in answers) == [200, 412]
    after = Listing.objects.get(pk=listing.pk)
    assert after.version == listing.version + 1
    winner = next(answer for answer in answers if answer.status_code == 200)
    assert after.status == winner.json()["status"]


@pytest.mark.django_db(transaction=True)
def test_of_an_edit_and_a_delete_on_one_etag_exactly_one_wins(live_server, token_for):
    """A photo's description saved and the photo deleted from the same read: the delete either
    goes first (the edit finds no photo) or is refused for the edit it never saw."""
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host)
    photo = ListingPhoto.objects.create(
        listing=listing, image="0.png", width=800, height=600, position=0
    )
    headers = {"Authorization": f"Bearer {token_for(host.user)}", "If-Match": f'"{photo.version}"'}
    url = f"{live_server.url}/api/v1/host/listings/{listing.pk}/photos/{photo.pk}"

    answers = _race(
        [
            lambda: httpx.patch(url, json={"alt_text": "Pier"}, headers=headers, timeout=30),
            lambda: httpx.delete(url, headers=headers, timeout=30),
        ]
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([200, 412], [204, 404])
    kept = ListingPhoto.objects.filter(pk=photo.pk).first()
    if statuses == [200, 412]:
        assert kept is not None
        assert (kept.alt_text, kept.version) == ("Pier", photo.version + 1)
    else:
        assert kept is None


# --- The OpenAPI document -----------------------------------------------------------------------

CONDITIONAL_WRITES = [
    ("/api/v1/host/listings/{listing_id}/" + action, "post")
    for action in ("submit", "pause", "resume", "archive")
] + [
    ("/api/v1/host/listings/{listing_id}/photos/{photo_id}", "delete"),
    ("/api/v1/host/listings/{listing_id}/schedules/{schedule_id}", "delete"),
    ("/api/v1/host/listings/{listing_id}/slots/{slot_id}/cancel", "post"),
]


@pytest.mark.parametrize(("path", "method"), CONDITIONAL_WRITES)
def test_the_document_says_each_takes_if_match_and_may_answer_412(client, path, method):
    operation = client.get("/api/v1/openapi.json").json()["paths"][path][method]

    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert "If-Match" in headers
    assert "412" in operation["responses"]
