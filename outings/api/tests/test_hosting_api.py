import io
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.api.tests.helpers import bearer, error_of
from outings.catalog.models import Listing, ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, category
from outings.common.outbox.testing import deliver
from outings.hosting.tests.fixtures import (
    PDF,
    png,
    png_bomb,
    stored_files,
    truncated_png,
    use_media,
)
from outings.scheduling.models import Schedule, Slot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges", "tours")]

BODY = {
    "title": "Harbour walk",
    "category": "tours",
    "summary": "A walk.",
    "description": "We walk *slowly*. [x](javascript:alert(1))",
    "tags": ["harbour"],
    "languages": ["en"],
    "duration_minutes": 90,
    "price_amount": 2500,
    "currency": "EUR",
    "min_group_size": 1,
    "max_group_size": 8,
    "address": "Am Kupfergraben 1",
    "city": "Berlin",
    "country_code": "DE",
    "latitude": 52.52,
    "longitude": 13.395,
    "cancellation_policy": "strict",
}


@pytest.fixture
def media(settings, tmp_path):
    return use_media(settings, tmp_path / "media")


@pytest.fixture
def tours(db):
    return category("tours")  # a transactional test before may have flushed the categories


@pytest.fixture
def host(db):
    return HostProfileFactory.create()


@pytest.fixture
def api(host, token_for):
    return Client(headers={"Authorization": f"Bearer {token_for(host.user)}"})


def create(api, **overrides):
    response = api.post(
        "/api/v1/host/listings", {**BODY, **overrides}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_host_creates_a_draft(api, host):
    body = create(api)

    assert body["status"] == "draft"
    assert body["version"] == 1
    assert body["time_zone"] == "Europe/Berlin"
    assert 'href="javascript' not in body["description_html"]
    assert Listing.objects.get().host == host


def test_a_guest_is_told_to_become_a_host(client, guest_token):
    response = client.post(
        "/api/v1/host/listings", BODY, content_type="application/json", **bearer(guest_token)
    )

    assert response.status_code == 403
    assert error_of(response)["code"] == "not_a_host"
    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("currency", "XYZ"),
        ("price_amount", -5),
        ("latitude", 123),
        ("category", "nope"),
        ("languages", ["klingon"]),
        ("status", "published"),
        # Wrong JSON types are refused, not coerced.
        ("price_amount", "1500"),
        ("max_group_size", True),
        ("instant_booking", "yes"),
        ("instant_booking", 1),
    ],
)
def test_invalid_fields_are_named_and_nothing_is_stored(api, field, value):
    response = api.post(
        "/api/v1/host/listings", {**BODY, field: value}, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == [f"body.payload.{field}"]
    assert not Listing.objects.exists()


def test_a_retried_create_with_the_same_key_creates_one_listing(api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "create-1"}
    first = api.post("/api/v1/host/listings", BODY, content_type="application/json", **headers)
    second = api.post("/api/v1/host/listings", BODY, content_type="application/json", **headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert Listing.objects.count() == 1


def test_if_match_with_an_old_etag_is_412_and_changes_nothing(api):
    listing = create(api)
    url = f"/api/v1/host/listings/{listing['id']}"
    etag = api.get(url)["ETag"]
    assert etag == '"1"'
    assert (
        api.put(
            url, {**BODY, "title": "One"}, content_type="application/json", HTTP_IF_MATCH=etag
        ).status_code
        == 200
    )

    stale = api.put(
        url, {**BODY, "title": "Two"}, content_type="application/json", HTTP_IF_MATCH=etag
    )

    assert stale.status_code == 412
    assert error_of(stale)["code"] == "precondition_failed"
    assert Listing.objects.get().title == "One"


def test_a_stale_version_field_is_409_with_the_current_values(api):
    listing = create(api)
    url = f"/api/v1/host/listings/{listing['id']}"
    first = api.put(url, {**BODY, "title": "A", "version": 1}, content_type="application/json")
    second = api.put(url, {**BODY, "title": "B", "version": 1}, content_type="application/json")

    assert first.status_code == 200
    assert second.status_code == 409
    error = error_of(second)
    assert error["code"] == "conflict"
    assert (error["fields"]["current"]["title"], error["fields"]["current"]["version"]) == ("A", 2)
    assert Listing.objects.get().title == "A"


def test_an_edit_must_say_which_version_it_is_based_on(api):
    listing = create(api)

    response = api.put(
        f"/api/v1/host/listings/{listing['id']}", BODY, content_type="application/json"
    )

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["body.payload.version"]


def test_states_through_the_api(api):
    listing = create(api)
    base = f"/api/v1/host/listings/{listing['id']}"

    assert api.generic("POST", f"{base}/submit").json()["status"] == "submitted"
    assert api.generic("POST", f"{base}/pause").status_code == 409  # not published yet
    assert api.generic("POST", f"{base}/archive").json()["status"] == "archived"


def test_another_hosts_listing_is_404(api):
    other = ListingFactory.create(status=Listing.Status.DRAFT)
    base = f"/api/v1/host/listings/{other.pk}"

    assert api.get(base).status_code == 404
    assert api.put(base, {**BODY, "version": 1}, content_type="application/json").status_code == 404
    assert api.generic("POST", f"{base}/submit").status_code == 404
    assert api.post(f"{base}/photos", {"file": io.BytesIO(png())}).status_code == 404
    assert api.get(f"{base}/schedules").status_code == 404
    assert api.get(f"{base}/slots").status_code == 404
    other.refresh_from_db()
    assert (other.status, other.version) == ("draft", 1)


def upload(api, listing_id, content, name="photo.jpg"):
    file = io.BytesIO(content)
    file.name = name
    return api.post(
        f"/api/v1/host/listings/{listing_id}/photos", {"file": file, "alt_text": "A boat"}
    )


def test_a_photo_upload_is_accepted_and_rendered_later(api, media):
    listing = create(api)

    response = upload(api, listing["id"], png())

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["renditions"]) == ("pending", {})
    deliver("slow")
    photos = api.get(f"/api/v1/host/listings/{listing['id']}/photos").json()["items"]
    assert photos[0]["status"] == "ready"
    assert set(photos[0]["renditions"]) == {"thumb", "card", "full"}


@pytest.mark.parametrize(
    ("content", "status"),
    [(PDF, 415), (png_bomb(30_000), 400), (truncated_png(), 400)],
    ids=["pdf-named-jpg", "30000x30000-png", "truncated"],
)
def test_lying_images_are_refused_fast_and_nothing_is_stored(api, media, content, status):
    listing = create(api)
    started = time.monotonic()

    response = upload(api, listing["id"], content)

    assert time.monotonic() - started < 1.0
    assert response.status_code == status
    assert error_of(response)["code"] in ("unsupported_image", "invalid_image")
    assert not ListingPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(api, settings):
    listing = create(api)
    settings.API_MAX_UPLOAD_BYTES = 1000

    response = upload(api, listing["id"], png())

    assert response.status_code == 413
    assert not ListingPhoto.objects.exists()


def test_photos_are_described_reordered_and_deleted(api, media):
    listing = create(api)
    first = upload(api, listing["id"], png()).json()["id"]
    second = upload(api, listing["id"], png()).json()["id"]
    base = f"/api/v1/host/listings/{listing['id']}"

    order = api.put(
        f"{base}/photo-order", {"photo_ids": [second, first]}, content_type="application/json"
    )
    patched = api.patch(
        f"{base}/photos/{first}", {"alt_text": "Pier"}, content_type="application/json"
    )
    deleted = api.delete(f"{base}/photos/{second}")

    assert [p["id"] for p in order.json()] == [second, first]
    assert patched.json()["alt_text"] == "Pier"
    assert deleted.status_code == 204
    assert [(p.pk, p.position) for p in ListingPhoto.objects.all()] == [(first, 0)]


def test_schedules_and_slots_through_the_api(api):
    listing = create(api)
    base = f"/api/v1/host/listings/{listing['id']}"
    start = timezone.localdate() + timedelta(days=1)
    rule = {
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "start_times": ["10:00"],
        "valid_from": start.isoformat(),
        "valid_until": (start + timedelta(days=6)).isoformat(),
        "capacity": 6,
    }

    created = api.post(f"{base}/schedules", rule, content_type="application/json")
    overlap = api.post(
        f"{base}/schedules", {**rule, "start_times": ["11:00"]}, content_type="application/json"
    )
    backwards = api.post(
        f"{base}/schedules",
        {**rule, "valid_until": (start - timedelta(days=1)).isoformat(), "start_times": ["15:00"]},
        content_type="application/json",
    )
    slots = api.get(f"{base}/slots").json()["items"]

    assert created.status_code == 201
    assert overlap.status_code == 409
    assert error_of(overlap)["code"] == "schedule_overlap"
    assert backwards.status_code == 400
    assert list(error_of(backwards)["fields"]) == ["body.payload.valid_until"]
    assert len(slots) == 7
    assert {(s["capacity"], s["seats_taken"]) for s in slots} == {(6, 0)}

    Slot.objects.filter(pk=slots[0]["id"]).update(seats_taken=4)
    shrink = api.patch(
        f"{base}/slots/{slots[0]['id']}", {"capacity": 3}, content_type="application/json"
    )
    assert (shrink.status_code, error_of(shrink)["code"]) == (409, "capacity_below_seats_taken")
    assert "4 seats are already taken" in error_of(shrink)["message"]

    exception = api.post(
        f"{base}/schedules/{created.json()['id']}/exceptions",
        {"day": (start + timedelta(days=2)).isoformat(), "action": "cancel"},
        content_type="application/json",
    )
    assert exception.status_code == 201
    assert len(api.get(f"{base}/slots").json()["items"]) == 6


def test_a_schedule_edit_says_its_version_and_a_stale_one_is_409_with_the_current_rule(api):
    listing = create(api)
    base = f"/api/v1/host/listings/{listing['id']}/schedules"
    rule = {
        "weekdays": [0],
        "start_times": ["10:00"],
        "valid_from": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "capacity": 6,
    }
    url = f"{base}/{api.post(base, rule, content_type='application/json').json()['id']}"

    first = api.put(url, {**rule, "capacity": 8, "version": 1}, content_type="application/json")
    second = api.put(url, {**rule, "capacity": 9, "version": 1}, content_type="application/json")
    # v1 took schedule edits without a version before versions existed: they stay unconditional.
    unsaid = api.put(url, {**rule, "capacity": 7}, content_type="application/json")

    assert (first.status_code, first["ETag"], first.json()["version"]) == (200, '"2"', 2)
    assert second.status_code == 409
    current = error_of(second)["fields"]["current"]
    assert (current["capacity"], current["version"]) == (8, 2)
    assert (unsaid.status_code, unsaid["ETag"], unsaid.json()["version"]) == (200, '"3"', 3)
    assert Schedule.objects.values_list("capacity", "version").get() == (7, 3)


def test_the_listing_list_costs_the_same_at_any_page_size(api, host, django_assert_num_queries):
    for _ in range(30):
        ListingFactory.create(host=host)

    api.get("/api/v1/host/listings?limit=1")  # records the token's use (once a minute)

    for limit in (5, 25):
        with django_assert_num_queries(3):  # the token with its user, the host, the page
            response = api.get(f"/api/v1/host/listings?limit={limit}")
        assert len(response.json()["items"]) == limit
