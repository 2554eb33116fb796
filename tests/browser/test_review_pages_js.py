"""Review of the booking pages in a real browser (Debian's Chromium through Playwright, against
the live server): each test names what goes wrong today and why."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings.models import Booking
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _signed_in(browser: Any, user: User, url: str) -> Any:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}]
    )
    return context


def test_the_back_button_and_book_again_does_not_book_twice(
    live_server: Any, browser: Any, nudges: list[str]
) -> None:
    category("tours")
    host = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, price_amount=2500, currency="CAD")
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = SlotFactory.create(listing=listing, starts_at=start, capacity=8)
    guest = UserFactory.create()

    page = _signed_in(browser, guest, live_server.url).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/things-to-do/{listing.pk}/")
    token = page.locator("#book-form input[name=form_token]").input_value()
    page.fill("#book-seats", "2")
    page.click("#book-form button[type=submit]")
    page.wait_for_selector("text=Confirm your booking")
    page.go_back()
    page.wait_for_selector("#book-form")
    again = page.locator("#book-form input[name=form_token]").input_value()
    assert page.locator("#book-seats").input_value() == "2"  # the form as the guest left it
    page.click("#book-form button[type=submit]")
    page.wait_for_selector("text=Confirm your booking")

    assert Booking.objects.filter(guest=guest).count() == 1, (
        f"booked twice; the form's token was {token} and after Back {again}"
    )
    slot.refresh_from_db()
    assert slot.seats_taken == 2
