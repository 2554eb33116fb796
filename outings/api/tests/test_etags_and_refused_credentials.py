"""ETags that follow everything their body shows (/me, /categories, /search over time), and
refused credentials counted against the caller's IP (token guessing is rate-limited)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import override_settings
from django.utils import timezone

from outings.accounts import services as account_services
from outings.api import throttling
from outings.api.tests.helpers import bearer
from outings.bookings import services as booking_services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import ListingFactory, SlotFactory, UserFactory
from outings.search import cache as search_cache

pytestmark = pytest.mark.django_db

FROZEN_NOW = 1_800_000_010.0


# --- 1. GET /me: the ETag ignores is_host and is_staff ---------------------------------------


def test_me_etag_changes_when_the_caller_becomes_a_host(client, guest, guest_token):
    first = client.get("/api/v1/me", **bearer(guest_token))
    assert first.json()["is_host"] is False

    account_services.become_host(
        user=guest, data=account_services.HostProfileData(display_name="Ada's walks")
    )
    again = client.get("/api/v1/me", **bearer(guest_token), HTTP_IF_NONE_MATCH=first["ETag"])

    # The representation changed (is_host false -> true), so the old ETag must not match.
    assert again.status_code == 200, "304: the client keeps is_host=false"
    assert again.json()["is_host"] is True


def test_me_etag_changes_when_the_caller_is_made_staff(client, guest, guest_token):
    first = client.get("/api/v1/me", **bearer(guest_token))
    guest.is_staff = True
    guest.save(update_fields=["is_staff"])

    fresh = client.get("/api/v1/me", **bearer(guest_token))

    assert fresh.json()["is_staff"] is True
    assert fresh["ETag"] != first["ETag"]


# --- 2. GET /search: the ETag is the catalogue version, blind to time -------------------------


def test_a_search_revalidated_after_a_hold_lapsed_shows_its_seats_within_the_window(
    client, monkeypatch
):
    listing = ListingFactory.create(title="Harbour walk")
    slot = SlotFactory.create(
        listing=listing, starts_at=timezone.now() + timedelta(days=2), capacity=4
    )
    booking_services.hold_seats(
        guest=UserFactory.create(), slot_id=slot.pk, seats=3, now=timezone.now()
    )
    first = client.get("/api/v1/search", {"q": "harbour"})
    assert first.json()["results"][0]["next_slot"]["seats_left"] == 1

    # Time passes: the hold lapses. Nothing is written (the sweep has not run yet), and the
    # search counts the lapsed hold's seats as free at once, as the slot list does.
    Booking.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    authed = UserFactory.create()
    token = account_services.create_api_token(user=authed, name="t").secret
    fresh = client.get("/api/v1/search", {"q": "harbour"}, **bearer(token))  # uncached
    assert fresh.json()["results"][0]["next_slot"]["seats_left"] == 4

    # Nothing was written, so the version did not move: within the current time window the
    # anonymous page may still show the hold (cache.time_window); past it, it cannot.
    window = search_cache.time_window()
    monkeypatch.setattr(search_cache, "time_window", lambda: window + 1)
    revalidated = client.get("/api/v1/search", {"q": "harbour"}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert revalidated.status_code == 200
    assert revalidated["ETag"] != first["ETag"]
    assert revalidated.json()["results"][0]["next_slot"]["seats_left"] == 4


# --- 3. Requests whose credentials fail are never counted by the throttle ---------------------


@override_settings(API_THROTTLE_RATES={"anon": "2/min", "user": "3/min"})
def test_failed_token_attempts_count_against_the_ip(client, monkeypatch):
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: FROZEN_NOW))
    guesses = [f"out_{n:043d}" for n in range(10)]  # well-formed: each costs a database query

    statuses = [client.get("/api/v1/categories", **bearer(guess)).status_code for guess in guesses]

    # An anonymous IP has 2 requests a minute; guessing tokens from it is not limited at all.
    assert 429 in statuses, statuses


# --- 4. GET /categories: the ETag leaves out the `previous` cursor ----------------------------


def test_categories_etag_changes_when_the_previous_cursor_changes(client):
    from outings.catalog.models import Category

    page1 = client.get("/api/v1/categories", {"limit": 2}).json()
    page2 = client.get("/api/v1/categories", {"limit": 2, "cursor": page1["next"]}).json()
    page3 = client.get("/api/v1/categories", {"limit": 2, "cursor": page2["next"]}).json()
    back = {"limit": 2, "cursor": page3["previous"]}  # page 2 again, read backwards
    first = client.get("/api/v1/categories", back)
    assert first.json()["previous"] is not None

    Category.objects.filter(slug__in=[c["slug"] for c in page1["items"]]).delete()
    fresh = client.get("/api/v1/categories", back)

    assert fresh.json()["items"] == first.json()["items"]
    assert fresh.json()["previous"] is None  # the body changed ...
    assert fresh["ETag"] != first["ETag"]  # ... under the same ETag
