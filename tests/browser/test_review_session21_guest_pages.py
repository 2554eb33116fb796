"""Review (session 21): the guest's booking pages in a real browser (headless Chromium through
Playwright, against the live server), as a keyboard and screen-reader user goes through them:
book, the refusals, the waiting list, handing a booking on."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.catalog.models import Listing
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

# What a "Guests" box says about itself: the text of the labels the browser ties to it (what a
# screen reader reads, what a click on a label focuses), and its bounds.
GUESTS_BOX = "box => [[...box.labels].map(label => label.textContent.trim()), box.min, box.max]"
# Every id given to more than one element of the page.
SHARED_IDS = (
    "() => { const seen = {}; document.querySelectorAll('[id]').forEach(node => "
    "{ seen[node.id] = (seen[node.id] || 0) + 1; }); "
    "return Object.keys(seen).filter(id => seen[id] > 1); }"
)


def _listing_with_a_date(*, capacity: int) -> tuple[Listing, Slot]:
    category("tours")
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), title="Harbour walk", max_group_size=6
    )
    start = (timezone.now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    return listing, SlotFactory.create(listing=listing, starts_at=start, capacity=capacity)


def _page(browser: Any, user: User, url: str) -> Any:
    page = signed_in(browser, user, url).new_page()
    page.set_default_timeout(10_000)
    return page


def test_a_date_sold_out_while_booking_offers_a_waiting_list_box_of_its_own(
    live_server: Any, browser: Any, nudges: list[str]
) -> None:
    """The answer to a date that sold out while the guest was on its page has two "Guests"
    boxes, the booking form's and the waiting list's, and both had the id id_seats: the
    waiting list's label named the booking form's box, so a screen reader read the waiting
    list's box without a name and a click on its label went to the other one; and it took up
    to 50 guests where the listing takes 6. Each box now has its own id, label and bounds."""
    _listing, slot = _listing_with_a_date(capacity=3)
    services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=timezone.now())
    page = _page(browser, UserFactory.create(), live_server.url)

    page.goto(f"{live_server.url}/bookings/new/?slot={slot.pk}")
    page.fill("#book-form input[name=seats]", "2")
    page.click("#book-form button[type=submit]")
    page.wait_for_selector("#waitlist-form")

    assert page.evaluate(SHARED_IDS) == []
    booking_box = page.locator("#book-form input[name=seats]").evaluate(GUESTS_BOX)
    waiting_box = page.locator("#waitlist-form input[name=seats]").evaluate(GUESTS_BOX)
    assert (booking_box, waiting_box) == ([["Guests"], "1", "6"], [["Guests"], "1", "6"])
    page.click("#waitlist-form label")
    assert page.evaluate("document.activeElement.closest('form').id") == "waitlist-form"


def test_waiting_for_seats_that_are_free_offers_a_booking_box_of_its_own(
    live_server: Any, browser: Any, nudges: list[str]
) -> None:
    """The waiting list's answer when enough seats are free after all offers to book them: a
    second form, whose "Guests" box shared the waiting list form's id, and so its label, and
    took up to 50 guests. Each box now has its own."""
    listing, slot = _listing_with_a_date(capacity=3)
    services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=3, now=timezone.now())
    page = _page(browser, UserFactory.create(), live_server.url)
    page.goto(f"{live_server.url}/things-to-do/{listing.pk}/")
    Slot.objects.filter(pk=slot.pk).update(capacity=8)  # seats added while the page was open

    page.fill("#wait-seats", "2")
    page.click("#waitlist-form button[type=submit]")
    page.wait_for_selector("#book-form")

    assert page.evaluate(SHARED_IDS) == []
    waiting_box = page.locator("#waitlist-form input[name=seats]").evaluate(GUESTS_BOX)
    booking_box = page.locator("#book-form input[name=seats]").evaluate(GUESTS_BOX)
    assert (waiting_box, booking_box) == ([["Guests"], "1", "6"], [["Guests"], "1", "6"])
    page.click("#book-form label")
    assert page.evaluate("document.activeElement.closest('form').id") == "book-form"
