"""Review (session 19): the public pages in a real browser (headless Chromium through Playwright,
against the live server), as a keyboard user and a visitor use them."""

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from outings.bookings.models import Booking
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from outings.scheduling.models import Slot
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_show_more_by_keyboard_puts_the_focus_on_the_first_new_card(
    live_server: Any, browser: Any
) -> None:
    """ "Show more" (htmx) appends the next cards and replaces the pager, the link pressed
    included: the focus fell back to the page's start, and the next Tab began at the header
    again, 24 cards above. The focus now moves to the first card added, where reading goes on."""
    tours = category("tours")
    for number in range(settings.PAGE_SIZE + 3):
        ListingFactory.create(category=tours, title=f"Harbour walk {number:02d}")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/things-to-do/")
    page.focus("#pager a[rel=next]")
    page.keyboard.press("Enter")
    expect(page.locator("#results > li")).to_have_count(settings.PAGE_SIZE + 3)

    first_new = page.locator("#results > li").nth(settings.PAGE_SIZE).locator("a.card__link")
    expect(first_new).to_be_focused()
    page.keyboard.press("Tab")  # on from there, not from the top of the page
    card_of_focus = page.evaluate(
        "[...document.querySelectorAll('#results > li')]"
        ".findIndex((card) => card.contains(document.activeElement))"
    )
    assert card_of_focus >= settings.PAGE_SIZE


def test_the_language_menu_on_a_refused_booking_returns_to_the_page_booked_from(
    live_server: Any, browser: Any
) -> None:
    """A refused booking ("slot full") is shown at the address the form was sent to,
    /bookings/new/, which answers a GET only with `?slot=`: the language menu there returned to
    that address (the server's `next`, and the script's, which writes the address bar into it)
    and the guest got a 404 page. The menu now returns to the page the form was sent from, the
    listing, in the language chosen."""
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, title="Harbour walk", max_group_size=6)
    start = (timezone.now() + timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    slot = SlotFactory.create(listing=listing, starts_at=start, capacity=4)
    guest = UserFactory.create()
    page = signed_in(browser, guest, live_server.url).new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/things-to-do/{listing.pk}/")
    Slot.objects.filter(pk=slot.pk).update(seats_taken=3)  # someone else was quicker
    page.fill("#book-seats", "2")
    page.click("#book-form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/bookings/new/")
    assert Booking.objects.count() == 0

    page.select_option("#language-select", "de")
    with page.expect_navigation():
        page.click(".lang-switch button[type=submit]")

    assert page.url == f"{live_server.url}/things-to-do/{listing.pk}/"
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_text("Harbour walk")
