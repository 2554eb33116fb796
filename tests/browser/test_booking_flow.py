"""Booking in a real browser: a guest books a date from the listing page, confirms the hold, finds
the booking in "my bookings"; meanwhile the host's dashboard, open in another browser, shows the
booking arrive without a reload.

The pages are served as in the embedded profile: one address (config.front under uvicorn, in its
own process) sends websockets to Channels and proxies HTTP to the WSGI live server, which runs in
this process on the test database. The booking is made there, and its live event crosses to the
front process through the channel layer (Redis, or PostgreSQL without REDIS_URL), exactly as
from a gunicorn worker. Screenshots of each step go to test-artifacts/<test name>/.
"""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from playwright.sync_api import expect

from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.common.outbox import relay
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_guest_books_a_date_and_the_hosts_dashboard_shows_it_live(
    front: str, browser: Any, artifacts: Path, nudges: list[str]
) -> None:
    category("tours")  # a transactional test before may have flushed the categories
    host = HostProfileFactory.create(display_name="Ada's walks")
    listing = ListingFactory.create(
        host=host, title="Harbour walk at dawn", price_amount=2500, currency="CAD"
    )
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = SlotFactory.create(listing=listing, starts_at=start, capacity=8)
    guest = UserFactory.create(first_name="Grace", last_name="Hopper", email="grace@example.org")
    step = iter(range(1, 100))

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(artifacts / f"{next(step):02d}-{name}.png"), full_page=True)

    # 1. The host opens the dashboard; its socket is open once live.js has caught up.
    board = signed_in(browser, host.user, front).new_page()
    board.set_default_timeout(15_000)
    with board.expect_request(lambda request: "/notifications/feed/" in request.url):
        board.goto(f"{front}/host/")
    board.wait_for_selector("text=No bookings for your upcoming dates yet.")
    board.evaluate("window.__notReloaded = true")
    shot(board, "host-dashboard-before")
    host_context = board.context
    roster = host_context.new_page()
    roster.set_default_timeout(15_000)
    with roster.expect_request(lambda request: "/notifications/feed/" in request.url):
        roster.goto(f"{front}/host/slots/{slot.pk}/roster/")
    roster.wait_for_selector("text=Nobody has booked this date yet.")

    # 2. The guest books two seats from the listing page.
    page = signed_in(browser, guest, front).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{front}/things-to-do/{listing.pk}/")
    page.wait_for_selector("#book-form")
    page.check(f"#book-form input[name=slot][value='{slot.pk}']")
    page.fill("#book-seats", "2")
    shot(page, "listing-book")
    page.click("#book-form button[type=submit]")
    page.wait_for_selector("text=Confirm your booking")
    booking = Booking.objects.get()
    assert (booking.guest_id, booking.seats, booking.status) == (guest.pk, 2, "held")
    assert page.locator("#booking-reference").inner_text() == booking.reference
    assert page.locator("text=Your seats are held until").count() == 1
    shot(page, "confirm-page")

    # 3. The guest confirms.
    page.click("#confirm button[type=submit]")
    page.wait_for_selector("text=Booked. We sent the confirmation to your email address.")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert page.locator("text=Add to your calendar").count() == 1
    shot(page, "booked")

    # 4. "My bookings" has it.
    page.goto(f"{front}/bookings/")
    row = page.locator(f"#bookings a[href='/bookings/{booking.reference}/']")
    assert row.inner_text() == "Harbour walk at dawn"
    shot(page, "my-bookings")

    # 5. The urgent worker, nudged by the confirmation, announces it (here, in this process);
    # the host's dashboard shows it without a reload.
    assert "urgent" in nudges
    relay.drain(queue="urgent", budget=10)
    board.wait_for_selector(f"#latest-bookings a[href='/host/bookings/{booking.reference}/']")
    assert board.evaluate("window.__notReloaded") is True
    assert "Grace Hopper" in board.locator("#latest-bookings").inner_text()
    assert "2/8" in board.locator("#host-board").inner_text()
    shot(board, "host-dashboard-live")

    # 6. So does the roster of that date, open in another tab.
    roster.wait_for_selector(f"#roster-board a[href='/host/bookings/{booking.reference}/']")
    assert "Grace Hopper" in roster.locator("#roster").inner_text()
    shot(roster, "host-roster-live")


@pytest.mark.parametrize(
    ("language", "news"),
    [
        ("en", "New booking for “Harbour walk at dawn”: 2 guests, {when}"),
        ("de", "Neue Buchung für „Harbour walk at dawn“: 2 Gäste, {when}"),
    ],
)
def test_the_hosts_dashboard_tells_a_screen_reader_what_changed_live(
    front: str, browser: Any, nudges: list[str], language: str, news: str
) -> None:
    """The board swapped in a new booking without a word: someone who does not see the table
    change was never told. A polite live region, present from the start and outside the part
    that is swapped, now says what changed, in the host's language."""
    category("tours")
    host = HostProfileFactory.create(user__preferred_language=language)
    listing = ListingFactory.create(host=host, title="Harbour walk at dawn", max_group_size=6)
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = SlotFactory.create(listing=listing, starts_at=start, capacity=8)
    guest = UserFactory.create()
    board = signed_in(browser, host.user, front).new_page()
    board.set_default_timeout(15_000)
    with board.expect_request(lambda request: "/notifications/feed/" in request.url):
        board.goto(f"{front}/host/")
    region = board.locator("#board-news")
    assert (region.get_attribute("role"), region.get_attribute("aria-live")) == ("status", "polite")
    assert region.inner_text() == ""
    assert board.locator("#host-board #board-news").count() == 0  # never swapped out

    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
    relay.drain(queue="urgent", budget=10)

    board.wait_for_selector(f"#latest-bookings a[href='/host/bookings/{held.reference}/']")
    with translation.override(language):
        when = render_to_string(
            "bookings/_slot_label.html", {"slot": slot, "zone": listing.time_zone}
        ).strip()
    # Not a predicate the page evaluates: the site's Content-Security-Policy forbids eval there.
    expect(board.locator("#board-news")).not_to_have_text(re.compile(r"^\s*$"))
    assert region.inner_text() == news.format(when=when)
