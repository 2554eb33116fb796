"""Review of the offering area (session 13): host API answers that break the platform's own
contracts (idempotent POSTs, no silent overwrite, stable pages). Each test failed on the code it
was written against."""

import pytest
from django.test import Client
from django.utils import timezone

from outings.api.models import IdempotencyKey
from outings.api.tests.helpers import error_of
from outings.catalog.models import AuditEntry, Listing
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
    return api.post(
        f"/api/v1/host/listings/{listing.pk}/{action}", headers={"Idempotency-Key": key}
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
