"""Review (session 19): the API against its own contract (docs/api.md) and its OpenAPI document.
Each test failed on the code it was written against."""

import json
from typing import Any

import pytest
from django.test import Client

from outings.api.tests.test_review_session13_offer import api, host, published
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ScheduleFactory, SlotFactory

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
