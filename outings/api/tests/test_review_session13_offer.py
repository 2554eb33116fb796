"""Review of the offering area (session 13): host API answers that break the platform's own
contracts (idempotent POSTs, no silent overwrite, stable pages). Each test failed on the code it
was written against."""

import pytest
from django.test import Client
from django.utils import timezone

from outings.api.models import IdempotencyKey
from outings.api.tests.helpers import error_of
from outings.catalog.models import AuditEntry, Listing, ListingPhoto
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


@pytest.fixture
def host(db):
    return HostProfileFactory.create()


@pytest.fixture
def api(host, token_for):
    return Client(
        raise_request_exception=False,
        headers={"Authorization": f"Bearer {token_for(host.user)}"},
    )


@pytest.fixture
def published(host):
    return ListingFactory.create(host=host, status=Listing.Status.PUBLISHED)


def change(api, listing, action, key):
    return api.generic(
        "POST", f"/api/v1/host/listings/{listing.pk}/{action}", headers={"Idempotency-Key": key}
    )


def assert_replayed(first, again, status):
    assert first.status_code == status
    assert again.status_code == status
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content


def test_a_retried_pause_replays_the_first_answer(api, published):
    """A script pauses a listing, loses the answer and retries with the same Idempotency-Key,
    as it does for every other host POST: it got `409 invalid_transition` ("already paused")
    for its own first try, because the state routes ignored the key."""
    first = change(api, published, "pause", "pause-1")
    again = change(api, published, "pause", "pause-1")

    assert_replayed(first, again, 200)
    assert again["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(listing=published, action="paused").count() == 1


def test_a_key_reused_for_another_state_change_is_a_422(api, published):
    change(api, published, "pause", "key-1")

    reused = change(api, published, "resume", "key-1")

    assert reused.status_code == 422
    assert error_of(reused)["code"] == "idempotency_key_reused"
    published.refresh_from_db()
    assert published.status == Listing.Status.PAUSED


def test_a_state_change_still_in_flight_is_a_409_with_retry_after(api, published):
    change(api, published, "archive", "key-1")
    IdempotencyKey.objects.update(state=IdempotencyKey.State.IN_FLIGHT, created_at=timezone.now())

    response = change(api, published, "archive", "key-1")

    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert error_of(response)["code"] == "idempotency_in_flight"


def test_a_refused_submit_is_recorded_and_replayed(api, host):
    """A rule violation (4xx) is recorded with the key: the retry gets the same refusal."""
    draft = ListingFactory.create(host=host, status=Listing.Status.DRAFT, summary="")

    first = change(api, draft, "submit", "submit-1")
    again = change(api, draft, "submit", "submit-1")

    assert_replayed(first, again, 400)


# --- Photos: no silent overwrite, pages that hold under a reorder --------------------------------


@pytest.fixture
def photos(published):
    return [
        ListingPhoto.objects.create(
            listing=published, image=f"{n}.png", width=800, height=600, position=n
        )
        for n in range(3)
    ]


def photos_url(listing):
    return f"/api/v1/host/listings/{listing.pk}/photos"


def patch_photo(api, photo, alt_text, headers=None, **body):
    url = f"{photos_url(photo.listing)}/{photo.pk}"
    return send_json(api.patch, url, {"alt_text": alt_text, **body}, headers)


def put_order(api, listing, ids, headers=None, **body):
    url = f"/api/v1/host/listings/{listing.pk}/photo-order"
    return send_json(api.put, url, {"photo_ids": ids, **body}, headers)


def send_json(method, url, body, headers):
    return method(url, body, content_type="application/json", headers=headers or {})


def test_two_editors_of_a_photos_description_do_not_overwrite_each_other(api, photos):
    """Two tabs (or a script and the site) describe the same photo: the later save silently
    replaced the earlier one, as a listing's or a schedule's edit never does (ADR 0008). Now
    the photo carries a `version`: the stale edit is a 409 with the photo as it is."""
    listed = api.get(photos_url(photos[0].listing)).json()["items"][0]

    mine = patch_photo(api, photos[0], "The pier at dawn", version=listed["version"])
    theirs = patch_photo(api, photos[0], "A boat", version=listed["version"])

    assert mine.status_code == 200
    assert mine["ETag"] == f'"{listed["version"] + 1}"'
    assert theirs.status_code == 409
    assert error_of(theirs)["code"] == "conflict"
    assert error_of(theirs)["fields"]["current"]["alt_text"] == "The pier at dawn"
    photos[0].refresh_from_db()
    assert photos[0].alt_text == "The pier at dawn"


def test_a_stale_if_match_on_a_photo_is_a_412(api, photos):
    first = patch_photo(api, photos[0], "Pier", headers={"If-Match": '"1"'})

    stale = patch_photo(api, photos[0], "Boat", headers={"If-Match": '"1"'})

    assert first.status_code == 200
    assert stale.status_code == 412
    photos[0].refresh_from_db()
    assert photos[0].alt_text == "Pier"


def test_a_photo_edit_without_a_version_stays_unconditional_in_v1(api, photos):
    """v1 took photo edits without a version: a client that sends none keeps working."""
    response = patch_photo(api, photos[0], "Pier")

    assert response.status_code == 200
    assert response.json()["alt_text"] == "Pier"


def test_two_reorders_from_the_same_order_do_not_overwrite_each_other(api, published, photos):
    """Both editors saw [0, 1, 2]; the second reorder silently undid the first. The order
    carries a version (`order_version` of the photo list, the ETag of each reorder)."""
    a, b, c = (photo.pk for photo in photos)
    order_version = api.get(photos_url(published)).json()["order_version"]

    mine = put_order(api, published, [c, a, b], version=order_version)
    theirs = put_order(api, published, [b, a, c], version=order_version)
    stale = put_order(api, published, [b, a, c], headers={"If-Match": f'"{order_version}"'})

    assert mine.status_code == 200
    assert mine["ETag"] == f'"{order_version + 1}"'
    assert theirs.status_code == 409
    assert error_of(theirs)["fields"]["current"] == {
        "photo_ids": [c, a, b],
        "version": order_version + 1,
    }
    assert stale.status_code == 412
    assert list(ListingPhoto.objects.filter(listing=published).values_list("pk", flat=True)) == [
        c,
        a,
        b,
    ]


def test_a_photo_page_after_a_reorder_is_refused_not_repeated_or_skipped(api, published, photos):
    """The photo list pages by (position, id), and a reorder changes positions: a client that
    read [A] and then, after A was moved last, followed `next`, got [C, A]: A twice and B
    never. Its cursor now belongs to the order it was read in."""
    a, b, c = (photo.pk for photo in photos)
    first = api.get(photos_url(published), {"limit": 1}).json()
    put_order(api, published, [b, c, a])

    response = api.get(photos_url(published), {"limit": 1, "cursor": first["next"]})

    assert response.status_code == 400
    assert "query.cursor" in error_of(response)["fields"]


def test_a_photo_page_holds_when_a_photo_is_added_and_goes_back(api, published, photos):
    """An upload goes last and moves no other photo: the pages read on, and back."""
    a, b, c = (photo.pk for photo in photos)
    first = api.get(photos_url(published), {"limit": 2}).json()
    d = ListingPhoto.objects.create(
        listing=published, image="3.png", width=800, height=600, position=3
    ).pk

    second = api.get(photos_url(published), {"limit": 2, "cursor": first["next"]}).json()
    back = api.get(photos_url(published), {"limit": 2, "cursor": second["previous"]}).json()

    assert [p["id"] for p in first["items"]] == [a, b]
    assert [p["id"] for p in second["items"]] == [c, d]
    assert [p["id"] for p in back["items"]] == [a, b]
