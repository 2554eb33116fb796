"""Review of the page cache (outings.common.pagecache and the views that use it): each test here
states a bug found in review and fails until it is fixed."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, SlotFactory

pytestmark = pytest.mark.django_db


def page(listing: Listing) -> str:
    return reverse("web:listing", kwargs={"pk": listing.pk})


def test_it_shows_a_dates_corrected_time_on_the_next_anonymous_visit(client, one_window):
    """Bug: an anonymous listing page is keyed by a digest of its upcoming slots that hashes
    each slot's id, status, capacity and seats taken, but not its start
    (outings/search/cache.py:60, `concat_ws(':', s.id, s.status, s.capacity, s.seats_taken)`).
    Staff correcting a date's time in the admin (SlotAdmin: "Staff may correct a slot's times")
    moves no version and leaves the digest as it was, so the page keeps showing the old time to
    every anonymous visitor (docs/caching.md says "a change to one of its own dates" makes the
    page stale). Expected: the next anonymous visit shows the corrected time."""
    listing = ListingFactory.create(title="Harbour walk", time_zone="UTC")
    day = (timezone.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    slot = SlotFactory.create(listing=listing, starts_at=day, ends_at=day + timedelta(hours=1))
    before = client.get(page(listing)).content.decode()

    slot.starts_at = day + timedelta(hours=4)
    slot.ends_at = day + timedelta(hours=5)
    slot.save(update_fields=["starts_at", "ends_at"])  # as the admin's change form saves it
    after = client.get(page(listing)).content.decode()

    assert 'class="slot__time">10 a.m. UTC' in before
    assert 'class="slot__time">2 p.m. UTC' in after
    assert 'class="slot__time">10 a.m. UTC' not in after


def test_it_refuses_a_language_change_with_an_unparsable_origin_instead_of_failing():
    """Bug: outings/web/views.py:242 passes the request's Origin header to urlsplit(), which
    raises ValueError ("Invalid IPv6 URL") on a value such as "http://[": any client that sends
    it (and no Sec-Fetch-Site) gets a 500 from the language menu's endpoint. Expected: an Origin
    that is not this site's, parsable or not, is refused like any other cross-site request (403),
    never a server error."""
    client = Client(raise_request_exception=False)

    response = client.post(
        reverse("set_language"), {"language": "de", "next": "/"}, headers={"Origin": "http://["}
    )

    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize(
    ("cookie", "value"),
    [
        ("csrftoken", "not-a-token"),  # CsrfViewMiddleware replaces it with a new secret
        ("sessionid", "x" * 32),  # an expired session: SessionMiddleware deletes the cookie
    ],
)
def test_it_never_sends_a_response_that_sets_a_cookie_as_public(cookie, value):
    """Bug: outings/common/pagecache.py:67 and :121 (`_mark_public`) mark a page
    `Cache-Control: public, max-age=60` inside the view, but the CSRF and session middleware
    around the view add Set-Cookie afterwards: a visitor with a malformed CSRF cookie gets a new
    CSRF secret, and one with an expired session a deletion of it, in a response every shared
    cache in front is told it may store. docs/caching.md: a response that sets a cookie is never
    stored; a shared cache must not be told otherwise (a CDN that keeps it hands one visitor's
    CSRF secret to others). Expected: a response that carries Set-Cookie is not `public`."""
    listing = ListingFactory.create(title="Harbour walk")
    client = Client()
    client.get(page(listing))  # now in the page cache
    client.cookies[cookie] = value

    response = client.get(page(listing))

    assert cookie in response.cookies
    assert "public" not in response["Cache-Control"]
