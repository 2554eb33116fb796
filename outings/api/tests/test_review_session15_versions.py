"""Review (session 15): one rule for every versioned edit of the API (DESIGN.md invariant 5, ADR
0008): a stale `If-Match` is `412 precondition_failed`; a stale `version` in the body is
`409 conflict` with the record as it is; an edit that sends both is refused when either is
stale. Each route of the table is held to all of it."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts import selectors as account_selectors
from outings.accounts import services as account_services
from outings.api.tests.helpers import error_of
from outings.api.tests.test_hosting_api import BODY, tours
from outings.api.tests.test_review_session13_offer import api, host, published
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import SlotFactory
from outings.common.errors import StaleVersion
from outings.scheduling.models import Schedule

__all__ = ["api", "host", "published", "tours"]  # fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges", "tours")]


@dataclass
class Edit:
    """One versioned record and its edit route: `send(body, headers)` answers an edit of
    `field`, `value()` reads the edited value back, `version()` the record's version now;
    `first` and `second` are two values to edit it to."""

    send: Callable[[dict[str, object], dict[str, str]], Any]
    field: str
    value: Callable[[], object]
    version: Callable[[], int]
    first: object
    second: object


def _json(method: Callable[..., Any], url: str, **base: object) -> Callable[..., Any]:
    def send(body: dict[str, object], headers: dict[str, str]) -> Any:
        return method(
            url, json.dumps({**base, **body}), content_type="application/json", headers=headers
        )

    return send


def row_edit(send: Callable[..., Any], row: Any, field: str, first: object, second: object) -> Edit:
    def reload() -> Any:
        return type(row).objects.get(pk=row.pk)

    return Edit(
        send=send,
        field=field,
        value=lambda: getattr(reload(), field),
        version=lambda: reload().version,
        first=first,
        second=second,
    )


def listing_edit(api: Client, published: Listing) -> Edit:
    put = _json(api.put, f"/api/v1/host/listings/{published.pk}", **BODY)
    return row_edit(put, published, "title", "One", "Two")


def schedule_edit(api: Client, published: Listing) -> Edit:
    base = f"/api/v1/host/listings/{published.pk}/schedules"
    rule = {
        "weekdays": [0],
        "start_times": ["10:00"],
        "valid_from": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "capacity": 6,
    }
    created = api.post(base, json.dumps(rule), content_type="application/json")
    assert created.status_code == 201, created.content
    schedule = Schedule.objects.get(pk=created.json()["id"])
    return row_edit(_json(api.put, f"{base}/{schedule.pk}", **rule), schedule, "capacity", 8, 9)


def photo_edit(api: Client, published: Listing) -> Edit:
    photo = ListingPhoto.objects.create(
        listing=published, image="0.png", width=800, height=600, position=0
    )
    patch = _json(api.patch, f"/api/v1/host/listings/{published.pk}/photos/{photo.pk}")
    return row_edit(patch, photo, "alt_text", "Pier", "Harbour")


def slot_edit(api: Client, published: Listing) -> Edit:
    slot = SlotFactory.create(listing=published, capacity=10)
    patch = _json(api.patch, f"/api/v1/host/listings/{published.pk}/slots/{slot.pk}")
    return row_edit(patch, slot, "capacity", 12, 14)


def photo_order_edit(api: Client, published: Listing) -> Edit:
    a, b, c = (
        ListingPhoto.objects.create(
            listing=published, image=f"{n}.png", width=800, height=600, position=n
        ).pk
        for n in range(3)
    )

    def order() -> list[int]:
        return list(ListingPhoto.objects.filter(listing=published).values_list("pk", flat=True))

    return Edit(
        send=_json(api.put, f"/api/v1/host/listings/{published.pk}/photo-order"),
        field="photo_ids",
        value=order,
        version=lambda: Listing.objects.get(pk=published.pk).photo_order_version,
        first=[c, a, b],
        second=[b, c, a],
    )


EDITS = pytest.mark.parametrize(
    "make",
    [listing_edit, schedule_edit, photo_edit, photo_order_edit, slot_edit],
    ids=lambda make: make.__name__,
)


def stale_edit(api: Client, published: Listing, make: Callable[..., Edit]) -> tuple[Edit, int]:
    """The record after a first edit, and the version that edit was based on (stale now)."""
    edit = make(api, published)
    seen = edit.version()
    first = edit.send({edit.field: edit.first, "version": seen}, {})
    assert first.status_code == 200, first.content
    assert edit.version() == seen + 1
    return edit, seen


@EDITS
def test_a_stale_if_match_is_a_412_and_changes_nothing(api, published, make):
    edit, seen = stale_edit(api, published, make)

    response = edit.send({edit.field: edit.second}, {"If-Match": f'"{seen}"'})

    assert response.status_code == 412
    assert error_of(response)["code"] == "precondition_failed"
    assert edit.value() == edit.first


@EDITS
def test_a_stale_body_version_is_a_409_conflict_with_the_record_as_it_is(api, published, make):
    edit, seen = stale_edit(api, published, make)

    response = edit.send({edit.field: edit.second, "version": seen}, {})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert error["fields"]["current"]["version"] == seen + 1
    assert edit.value() == edit.first


@EDITS
def test_a_current_if_match_does_not_pass_a_stale_body_version(api, published, make):
    """Bug: with If-Match the body's `version` was not looked at: an edit whose body was built
    on a stale version (If-Match taken from a later read) overwrote what it never saw. Each is
    checked: the body's stale version is the 409 it is without the header."""
    edit, seen = stale_edit(api, published, make)

    response = edit.send({edit.field: edit.second, "version": seen}, {"If-Match": f'"{seen + 1}"'})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "conflict"
    assert error["fields"]["current"]["version"] == seen + 1
    assert edit.value() == edit.first
    assert edit.version() == seen + 1


@EDITS
def test_a_stale_if_match_is_a_412_whatever_the_body_says(api, published, make):
    edit, seen = stale_edit(api, published, make)

    response = edit.send({edit.field: edit.second, "version": seen + 1}, {"If-Match": f'"{seen}"'})

    assert response.status_code == 412
    assert edit.value() == edit.first


@EDITS
def test_matching_if_match_and_body_version_edit(api, published, make):
    edit, seen = stale_edit(api, published, make)

    response = edit.send(
        {edit.field: edit.second, "version": seen + 1}, {"If-Match": f'"{seen + 1}"'}
    )

    assert response.status_code == 200
    assert response["ETag"] == f'"{seen + 2}"'
    assert edit.value() == edit.second


# --- The profile (PATCH /me): If-Match only -----------------------------------------------------


def test_a_stale_if_match_on_the_profile_is_a_412(client, guest, guest_token):
    headers = {"Authorization": f"Bearer {guest_token}"}
    etag = client.get("/api/v1/me", headers=headers)["ETag"]
    edit = _json(client.patch, "/api/v1/me")

    changed = edit({"first_name": "Grace"}, {**headers, "If-Match": etag})
    stale = edit({"first_name": "Lin"}, {**headers, "If-Match": etag})

    assert changed.status_code == 200
    assert stale.status_code == 412
    assert error_of(stale)["code"] == "precondition_failed"
    guest.refresh_from_db()
    assert guest.first_name == "Grace"


def test_a_stale_profile_edit_is_the_services_stale_version_with_the_profile_as_it_is(guest):
    """Bug: the accounts service raised a 412 `precondition_failed` of its own, HTTP's answer to
    a stale If-Match, where every other service raises StaleVersion (409 `conflict` with the
    record as it is) and the API turns it into the 412 when the version came in If-Match: a page
    or a body version checked through it would have got the 412."""
    seen = account_selectors.profile_version(user=guest)
    account_services.update_profile(user_id=guest.pk, first_name="Grace", expected_versions={seen})

    with pytest.raises(StaleVersion) as refused:
        account_services.update_profile(
            user_id=guest.pk, first_name="Lin", expected_versions={seen}
        )

    assert (refused.value.code, refused.value.status_code) == ("conflict", 409)
    assert refused.value.current.first_name == "Grace"
