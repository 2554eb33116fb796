"""Review (caches): DESIGN.md section 5 says "the cache failing must never fail a booking" and that
sessions live "in the cache backed by the database". These tests point the cache at an address
nothing listens on (as outings/common/tests/test_health.py does) and use the real pages."""

import re

import pytest
from django.test import Client

from outings.accounts.models import User
from outings.bookings.models import Booking
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here: connection refused
    },
    "pages": {
        "BACKEND": "outings.common.cache.TolerantRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    },
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


def test_a_guest_who_books_on_the_german_site_gets_the_confirmation_in_german(
    guest: User, slot: Slot
) -> None:
    """docs/pages.md: booking mails are "rendered when sent, in the reader's language". The mail
    takes its language only from User.preferred_language (outings/notifications/emails.py:158),
    which is blank unless set through the API or the admin ("Empty: follow the browser"): the
    language switcher only sets a cookie and nothing records the language a guest uses on the
    site. A blank preference falls back to settings.LANGUAGE_CODE (emails.language_of), so a
    guest who found, booked and confirmed everything in German receives "Booked: ..." in
    English. (The same goes for the zone: the mail's "your time" line uses the profile's UTC,
    not the `tz` cookie the pages use.)"""
    client = Client()
    client.force_login(guest)
    client.cookies["django_language"] = "de"
    page = client.get(f"/things-to-do/{slot.listing_id}/").content.decode()
    assert '<html lang="de">' in page
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token is not None
    client.post(
        "/bookings/new/", {"slot": str(slot.pk), "seats": "2", "form_token": token.group(1)}
    )
    booking = Booking.objects.get(guest=guest)
    client.post(f"/bookings/{booking.reference}/confirm/")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    relay.drain(queue="urgent", budget=5)  # the worker announces it: the mail is enqueued

    message = OutboxMessage.objects.filter(
        kind=emails.KIND, payload__template="booking_confirmed"
    ).latest("id")
    mail = emails.build(message)

    assert mail is not None
    assert mail.subject.startswith("Gebucht: "), f"subject in English: {mail.subject!r}"
