"""Review (session 17): the public pages as a guest and a host use them in a browser that runs no
JavaScript (headless Chromium through Playwright, script disabled, against the live server):
booking (hold, confirm, cancel), my bookings, the account's tokens, the language menu, the
host's dashboard and roster. Each step works (no defect found): pinned here."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.bookings.models import Booking
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


PASSWORD = "grace-hoppers-pass-phrase-7"


def no_script(browser: Any, user: Any, url: str) -> Any:
    page = signed_in(browser, user, url, java_script_enabled=False).new_page()
    page.set_default_timeout(10_000)
    return page


def test_a_guest_books_confirms_and_cancels_without_javascript(
    live_server: Any, browser: Any, nudges: list[str]
) -> None:
    category("tours")
    host = HostProfileFactory.create(display_name="Ada's walks")
    listing = ListingFactory.create(
        host=host, title="Harbour walk", price_amount=2500, currency="CAD", max_group_size=6
    )
    start = (timezone.now() + timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    slot = SlotFactory.create(listing=listing, starts_at=start, capacity=8)
    # With a password: creating a token asks for it (ADR 0011), and a user without one is sent
    # to set one first.
    guest = UserFactory.create(first_name="Grace", last_name="Hopper", password=PASSWORD)
    page = no_script(browser, guest, live_server.url)

    page.goto(f"{live_server.url}/things-to-do/{listing.pk}/")
    page.check(f"#book-form input[name=slot][value='{slot.pk}']")
    page.fill("#book-seats", "2")
    page.click("#book-form button[type=submit]")
    page.wait_for_selector("text=Confirm your booking")
    booking = Booking.objects.get()
    assert (booking.seats, booking.status) == (2, "held")

    page.click("#confirm button[type=submit]")
    page.wait_for_selector("text=Booked. We sent the confirmation to your email address.")

    page.goto(f"{live_server.url}/bookings/")
    assert page.locator(f"#bookings a[href='/bookings/{booking.reference}/']").count() == 1

    # The host's pages.
    host_page = no_script(browser, host.user, live_server.url)
    host_page.goto(f"{live_server.url}/host/")
    assert "Grace Hopper" in host_page.content()
    host_page.goto(f"{live_server.url}/host/slots/{slot.pk}/roster/")
    assert "Grace Hopper" in host_page.content()

    page.goto(f"{live_server.url}/bookings/{booking.reference}/cancel/")
    page.click("text=Yes, cancel it")
    page.wait_for_selector("#booking-status")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED

    # The language menu without script: pick, press "Change".
    page.select_option("#language-select", "de")
    page.click(".lang-switch button[type=submit]")
    page.wait_for_selector("html[lang=de]")

    # The account's tokens: one made, then revoked.
    page.goto(f"{live_server.url}/accounts/api-tokens/")
    page.fill("#id_name", "laptop")
    page.click("form:has(#id_name) button")
    page.fill("input[name=password]", PASSWORD)  # asked first; given, the token is made
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-testid=new-token]")
    page.click("td form button")
    page.wait_for_load_state()
    assert "laptop" not in page.locator("main").inner_text(), page.content()[:3000]
