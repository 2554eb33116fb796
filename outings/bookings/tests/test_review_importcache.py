"""Review (caches): DESIGN.md section 5 says "the cache failing must never fail a booking" and that
sessions live "in the cache backed by the database". These tests point the cache at an address
nothing listens on (as outings/common/tests/test_health.py does) and use the real pages."""

import re

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.bookings.models import Booking
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here: connection refused
    }
}


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    return nudges


def test_a_signed_in_guest_can_still_book_while_the_cache_is_down(
    guest: User, slot: Slot, settings
) -> None:
    """The session engine is `cached_db` (config/settings.py:159). When the cache is unreachable,
    Django's cached_db SessionStore.load() swallows the failing cache.get(), reads the session
    from the database, and then calls self._cache.set() to refill the cache *without* any error
    handling: the ConnectionError escapes from the first middleware that touches request.user
    (outings/common/middleware.py:21), so every request of a signed-in user is a 500, and the
    web booking form (POST /bookings/new/) cannot book at all. The API, authenticated by token,
    still books in the same situation, so the database is fine: it is the cache that fails the
    booking."""
    client = Client(raise_request_exception=False)
    client.force_login(guest)
    page = client.get(f"/things-to-do/{slot.listing_id}/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None

    settings.CACHES = CACHE_DOWN  # the cache goes away between rendering and submitting
    response = client.post(
        "/bookings/new/", {"slot": str(slot.pk), "seats": "2", "form_token": token.group(1)}
    )

    assert response.status_code == 302, f"booking answered {response.status_code}"
    assert Booking.objects.filter(guest=guest, slot=slot).count() == 1
