"""Review of the public REST API v1 resource by resource, as a client developer building a mobile
app uses it: each test names what the client expects and what it got instead."""

import io
from urllib.parse import quote

import pytest

from outings.api.tests.bookings.support import book, client_of, confirmed
from outings.api.tests.helpers import error_of
from outings.catalog.models import ListingPhoto
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.hosting.tests.fixtures import png, use_media
from outings.scheduling.models import Schedule, ScheduleException

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]

JSON = "application/json"


@pytest.fixture
def host(db):
    return HostProfileFactory.create()


@pytest.fixture
def api(host, token_for):
    return client_of(host.user, token_for)


# --- A cursor of one filter is refused by another --------------------------------------------


def test_a_listings_cursor_of_one_category_is_refused_by_another(client):
    """A client paging /listings?category=tours that switches the filter to food but keeps the
    cursor expects a 400 on query.cursor (docs/api.md: a foreign cursor is refused), as /search
    and /bookings?when= do. Instead the food list started below the tours boundary: every food
    listing newer than it was silently skipped (here: all of them, an empty page)."""
    tours, food = category("tours"), category("food")
    for _ in range(3):
        ListingFactory.create(category=tours)
    for _ in range(2):
        ListingFactory.create(category=food)  # newer than the tours boundary: all skipped
    first = client.get("/api/v1/listings?category=tours&limit=1").json()
    cursor = quote(first["next"])

    response = client.get(f"/api/v1/listings?category=food&limit=1&cursor={cursor}")

    assert response.status_code == 400, [item["id"] for item in response.json()["items"]]
    assert list(error_of(response)["fields"]) == ["query.cursor"]
    # The same filter (with another page size) still pages on.
    assert client.get(f"/api/v1/listings?category=tours&limit=2&cursor={cursor}").status_code == 200


def test_a_host_bookings_cursor_of_one_status_is_refused_by_another(host, api, token_for):
    """The same for a host's bookings: a cursor from ?status=confirmed reused with
    ?status=held paged the held bookings from the confirmed list's boundary, hiding the newer
    held ones, where the client expects a 400 on query.cursor."""
    listing = ListingFactory.create(host=host, max_group_size=6)
    slot = SlotFactory.create(listing=listing, capacity=20)
    guest = client_of(UserFactory.create(), token_for)
    for _ in range(3):
        confirmed(guest, slot, seats=1)
    for _ in range(2):
        assert book(guest, slot, seats=1).status_code == 201
    page = api.get("/api/v1/host/bookings?status=confirmed&limit=1").json()

    response = api.get(f"/api/v1/host/bookings?status=held&limit=1&cursor={quote(page['next'])}")

    assert response.status_code == 400, response.content
    assert list(error_of(response)["fields"]) == ["query.cursor"]


# --- Idempotency-Key on every POST that creates something ------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    return use_media(settings, tmp_path / "media")


SCHEDULE = {
    "kind": "weekly",
    "weekdays": [0],
    "start_times": ["10:00"],
    "valid_from": "2031-01-06",
    "capacity": 5,
}


def _retried(api, path, **kwargs):
    """The same request twice with one Idempotency-Key, as a client retries after a timeout."""
    headers = {"Idempotency-Key": "9f1c2d4e-retry"}
    return [api.post(path, headers=headers, **kwargs) for _ in range(2)]


def test_a_retried_new_schedule_with_its_idempotency_key_is_the_first_answer(host, api):
    """A mobile app that times out adding a schedule retries with the same Idempotency-Key
    (docs/api.md: POSTs that create take one) and expects the first 201 replayed. Instead the
    key was ignored: the retry ran again and failed with 409 schedule_overlap, against the rule
    it had just created itself."""
    listing = ListingFactory.create(host=host)

    first, again = _retried(
        api, f"/api/v1/host/listings/{listing.pk}/schedules", data=SCHEDULE, content_type=JSON
    )

    assert first.status_code == 201, first.content
    assert (again.status_code, again.content) == (201, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert Schedule.objects.filter(listing=listing).count() == 1


def test_a_retried_schedule_exception_with_its_idempotency_key_is_the_first_answer(host, api):
    """The same for cancelling a day of a schedule: the client expects the retry answered 201
    with the exception the first request made. Instead it ran again and was refused 400 "This
    day already has an exception.", so the app reported a failure for what had worked."""
    listing = ListingFactory.create(host=host)
    created = api.post(
        f"/api/v1/host/listings/{listing.pk}/schedules", SCHEDULE, content_type=JSON
    ).json()

    first, again = _retried(
        api,
        f"/api/v1/host/listings/{listing.pk}/schedules/{created['id']}/exceptions",
        data={"day": "2031-01-13", "action": "cancel"},
        content_type=JSON,
    )

    assert first.status_code == 201, first.content
    assert (again.status_code, again.content) == (201, first.content)
    assert ScheduleException.objects.filter(schedule_id=created["id"]).count() == 1


def test_a_retried_photo_upload_with_its_idempotency_key_adds_the_photo_once(host, api, media):
    """A photo upload over a flaky mobile connection is retried with the same Idempotency-Key;
    the host expects one photo. Instead the key was ignored and the listing got the photo
    twice."""
    listing = ListingFactory.create(host=host)
    content = png()

    def upload():
        file = io.BytesIO(content)
        file.name = "harbour.png"
        return api.post(
            f"/api/v1/host/listings/{listing.pk}/photos",
            {"file": file, "alt_text": "The harbour"},
            headers={"Idempotency-Key": "photo-1"},
        )

    first, again = upload(), upload()

    assert first.status_code == 201, first.content
    assert (again.status_code, again.content) == (201, first.content)
    assert ListingPhoto.objects.filter(listing=listing).count() == 1


def test_another_photo_with_the_same_idempotency_key_is_a_422(host, api, media):
    """A different upload under a used key is refused, as for every idempotent POST."""
    listing = ListingFactory.create(host=host)

    def upload(content):
        file = io.BytesIO(content)
        file.name = "photo.png"
        return api.post(
            f"/api/v1/host/listings/{listing.pk}/photos",
            {"file": file},
            headers={"Idempotency-Key": "photo-2"},
        )

    assert upload(png()).status_code == 201
    response = upload(png(color="navy"))

    assert response.status_code == 422, response.content
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert ListingPhoto.objects.filter(listing=listing).count() == 1


# --- The OpenAPI document describes the headers the API really sends and reads ----------------


def _operations(client):
    document = client.get("/api/v1/openapi.json").json()
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_the_openapi_document_describes_etags_and_conditional_reads(client):
    """A client generated from /api/v1/openapi.json must learn that public reads answer with
    an ETag and take If-None-Match (their 304 is documented), and that PATCH /me answers the
    ETag its If-Match wants. Instead no response declared any header and no operation
    If-None-Match: the generated client could neither read the ETag nor send it back."""
    operations = _operations(client)
    for key in [("GET", "/api/v1/listings"), ("GET", "/api/v1/listings/{listing_id}")]:
        operation = operations[key]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert "If-None-Match" in headers, key
        for status in ("200", "304"):
            assert "ETag" in operation["responses"][status].get("headers", {}), (key, status)
    assert "ETag" in operations[("PATCH", "/api/v1/me")]["responses"]["200"].get("headers", {})


def test_the_openapi_document_describes_retry_after(client):
    """Every 429 carries Retry-After, as does a 409 idempotency_in_flight; a client generated
    from the document expects them declared so that it can wait that long. Instead none was."""
    operations = _operations(client)
    for key, operation in operations.items():
        if "429" in operation["responses"]:
            assert "Retry-After" in operation["responses"]["429"].get("headers", {}), key
    booking = operations[("POST", "/api/v1/bookings")]["responses"]
    assert "Retry-After" in booking["409"].get("headers", {})
    assert "Idempotent-Replayed" in booking["201"].get("headers", {})
    assert "WWW-Authenticate" in booking["401"].get("headers", {})


# --- A host's listing answers If-None-Match ---------------------------------------------------


def test_a_hosts_listing_revalidated_with_its_etag_is_a_304(host, api):
    """GET /host/listings/{id} answers an ETag with `private, max-age=0, must-revalidate`, so a
    mobile app's HTTP cache revalidates it with If-None-Match on every read and expects a 304
    while nothing changed (docs/api.md, "Caching and conditional requests"). Instead the whole
    listing came back 200 every time; after a change, the new state must still come back."""
    listing = ListingFactory.create(host=host)
    path = f"/api/v1/host/listings/{listing.pk}"
    first = api.get(path)

    unchanged = api.get(path, headers={"If-None-Match": first["ETag"]})
    assert api.generic("POST", f"{path}/pause").status_code == 200
    changed = api.get(path, headers={"If-None-Match": first["ETag"]})

    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert unchanged["ETag"] == first["ETag"]
    assert changed.status_code == 200
    assert changed.json()["status"] == "paused"
    assert changed["ETag"] != first["ETag"]
