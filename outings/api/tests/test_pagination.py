from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outings.api.pagination import paginate
from outings.api.tests.helpers import error_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory

pytestmark = pytest.mark.django_db


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    return [item["id"] for item in body["items"]], body["next"], body["previous"]


def test_walking_forward_and_back_visits_every_listing_once_in_order(client):
    listings = [ListingFactory.create().pk for _ in range(5)]
    newest_first = list(reversed(listings))

    first, after_first, before_first = page(client, "/api/v1/listings?limit=2")
    second, after_second, _ = page(client, f"/api/v1/listings?limit=2&cursor={quote(after_first)}")
    third, after_third, before_third = page(
        client, f"/api/v1/listings?limit=2&cursor={quote(after_second)}"
    )
    back, _, before_back = page(client, f"/api/v1/listings?limit=2&cursor={quote(before_third)}")
    start, _, before_start = page(client, f"/api/v1/listings?limit=2&cursor={quote(before_back)}")

    assert (first, second, third) == (newest_first[:2], newest_first[2:4], newest_first[4:])
    assert before_first is None
    assert after_third is None
    assert back == second
    assert start == first
    assert before_start is None


def test_pages_are_stable_when_rows_are_inserted_meanwhile(client):
    older = [ListingFactory.create().pk for _ in range(4)]
    first, cursor, _ = page(client, "/api/v1/listings?limit=2")

    ListingFactory.create()  # newer than everything: would shift an OFFSET page by one
    second, _, _ = page(client, f"/api/v1/listings?limit=2&cursor={quote(cursor)}")

    assert first == [older[3], older[2]]
    assert second == [older[1], older[0]]


def test_slots_paginate_by_time_then_id(client):
    listing = ListingFactory.create()
    start = timezone.now() + timedelta(days=1)
    slots = [
        SlotFactory.create(listing=listing, starts_at=start + timedelta(hours=h)).pk
        for h in range(3)
    ]

    first, cursor, _ = page(client, f"/api/v1/listings/{listing.pk}/slots?limit=2")
    second, after, _ = page(client, f"/api/v1/listings/{listing.pk}/slots?limit=2&cursor={cursor}")

    assert (first, second, after) == (slots[:2], slots[2:], None)


def test_a_page_is_read_without_offset():
    for _ in range(3):
        ListingFactory.create()
    cursor = paginate(
        Listing.objects.all(), ordering=("-id",), cursor=None, limit=1, namespace="t"
    ).next

    with CaptureQueriesContext(connection) as queries:
        paginate(Listing.objects.all(), ordering=("-id",), cursor=cursor, limit=1, namespace="t")

    [query] = queries.captured_queries
    assert "OFFSET" not in query["sql"].upper()
    assert "LIMIT 2" in query["sql"].upper()


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        signing.dumps({"d": "n", "v": [1]}, salt="someone-else"),
        signing.dumps({"d": "n", "v": [1]}, salt="outings.api.cursor:categories"),
        signing.dumps({"d": "x", "v": [1]}, salt="outings.api.cursor:listings"),
        signing.dumps({"d": "n", "v": ["not-a-number"]}, salt="outings.api.cursor:listings"),
        signing.dumps({"d": "n", "v": [1, 2]}, salt="outings.api.cursor:listings"),
        signing.dumps({"d": "n", "v": [None]}, salt="outings.api.cursor:listings"),
        signing.dumps(["n", 1], salt="outings.api.cursor:listings"),
    ],
)
def test_a_malformed_tampered_or_foreign_cursor_is_a_validation_error(client, cursor):
    ListingFactory.create()

    response = client.get(f"/api/v1/listings?cursor={quote(cursor)}")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["query.cursor"]


def test_an_edited_cursor_is_refused(client):
    for _ in range(3):
        ListingFactory.create()
    _, cursor, _ = page(client, "/api/v1/listings?limit=1")
    value, _, signature = cursor.rpartition(":")
    tampered = f"{value[:-1]}{'A' if value[-1] != 'A' else 'B'}:{signature}"

    response = client.get(f"/api/v1/listings?cursor={quote(tampered)}")

    assert response.status_code == 400


def test_an_overlong_cursor_is_a_validation_error(client):
    response = client.get(f"/api/v1/listings?cursor={'a' * 600}")

    assert response.status_code == 400


def test_the_limit_has_a_default_and_a_maximum(client):
    for _ in range(21):
        ListingFactory.create()

    default, _, _ = page(client, "/api/v1/listings")
    largest, _, _ = page(client, "/api/v1/listings?limit=100")
    too_large = client.get("/api/v1/listings?limit=101")

    assert (len(default), len(largest), too_large.status_code) == (20, 21, 400)


def test_a_page_emptied_by_deletions_has_only_the_cursor_back(client):
    listings = [ListingFactory.create() for _ in range(3)]
    first, cursor, _ = page(client, "/api/v1/listings?limit=2")
    Listing.objects.filter(pk=listings[0].pk).delete()

    items, after, before = page(client, f"/api/v1/listings?limit=2&cursor={quote(cursor)}")

    assert (items, after) == ([], None)
    assert page(client, f"/api/v1/listings?limit=2&cursor={quote(before)}") == (first, cursor, None)


def test_a_cursor_signed_before_cursors_lost_their_timestamp_still_pages(client):
    """Cursors were signed by signing.dumps (with the time) until outings.common.signed: one a
    client still holds reads the same page as today's cursor for the same boundary."""
    listings = [ListingFactory.create().pk for _ in range(3)]
    _, cursor, _ = page(client, "/api/v1/listings?limit=1")
    old = signing.dumps(
        {"d": "n", "v": [listings[2]]}, salt="outings.api.cursor:listings", compress=True
    )

    assert page(client, f"/api/v1/listings?limit=1&cursor={quote(old)}") == page(
        client, f"/api/v1/listings?limit=1&cursor={quote(cursor)}"
    )
