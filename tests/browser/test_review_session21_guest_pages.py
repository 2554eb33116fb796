"""Review (session 21): the guest's booking pages in a real browser (headless Chromium through
Playwright, against the live server), as a keyboard and screen-reader user goes through them:
book, the refusals, the waiting list, handing a booking on."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
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


def _no_script(browser: Any, user: User, url: str) -> Any:
    page = signed_in(browser, user, url, java_script_enabled=False).new_page()
    page.set_default_timeout(10_000)
    return page


# The element that has the focus: its id, or its name for a form field, and what it says.
FOCUSED = (
    "() => { const node = document.activeElement; "
    "return [node.id || node.getAttribute('name') || node.tagName, node.textContent.trim()]; }"
)


def _loosen(page: Any, box: str) -> None:
    """Take off a "Guests" box's bounds, as an older page or a script-less form filler sends
    what the browser would have refused: the server's answer is what is tried."""
    page.locator(box).evaluate("box => { box.removeAttribute('min'); box.removeAttribute('max'); }")


def test_a_refused_booking_puts_the_focus_on_what_went_wrong(
    live_server: Any, browser: Any, nudges: list[str]
) -> None:
    """A refused form came back with its message above the form, and the focus at the top of
    the page: a screen reader user heard the page's title and began at the header again, with
    nothing said of the refusal, and a keyboard user tabbed through the header to find it.
    The browser now puts the focus (without script, `autofocus`) on the refusal, or on the one
    box that was wrong, whose message the box names (aria-describedby)."""
    listing, slot = _listing_with_a_date(capacity=3)
    page = _no_script(browser, UserFactory.create(), live_server.url)

    def book(guests: str) -> None:
        page.goto(f"{live_server.url}/things-to-do/{listing.pk}/")
        _loosen(page, "#book-seats")
        page.fill("#book-seats", guests)
        page.click("#book-form button[type=submit]")
        page.wait_for_selector("#book-form")

    def guests_box_says() -> str:
        described = page.locator("#id_seats").get_attribute("aria-describedby")
        return str(page.locator(f"#{described}").inner_text())

    # No guests: the box is wrong, and says why.
    book("0")
    assert page.evaluate(FOCUSED) == ["id_seats", ""]
    assert guests_box_says() == "Ensure this value is greater than or equal to 1."

    # More guests than the listing takes: the service's refusal, above the form.
    book("7")
    assert page.evaluate(FOCUSED) == ["book-error", "The booking request is not valid."]
    page.keyboard.press("Tab")  # on to the box it is about, which says what is wrong with it
    assert page.evaluate(FOCUSED) == ["id_seats", ""]
    assert guests_box_says() == "From 1 to 6 seats."

    # The date sold out while the guest was on the listing's page.
    page.goto(f"{live_server.url}/things-to-do/{listing.pk}/")
    services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=timezone.now())
    page.fill("#book-seats", "2")
    page.click("#book-form button[type=submit]")
    page.wait_for_selector("#waitlist-form")
    assert page.evaluate(FOCUSED)[0] == "book-error"
    assert page.evaluate(FOCUSED)[1].startswith("Not enough seats are left on this date")


def test_the_booking_pages_put_the_focus_on_a_refusal(
    live_server: Any, browser: Any, nudges: list[str]
) -> None:
    """As a refused booking does: a hold that lapsed and whose seats went, an address to hand a
    booking on to that is none, a refund that changed before "Yes, cancel it", a waiting list
    for more guests than the listing takes, a transfer link for a date that has begun. Each
    page came back with the refusal at its top and the focus at the page's start."""
    listing, slot = _listing_with_a_date(capacity=2)
    guest = UserFactory.create()
    page = _no_script(browser, guest, live_server.url)
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)

    page.goto(f"{live_server.url}/bookings/{held.reference}/")
    Booking.objects.filter(pk=held.pk).update(expires_at=now - timedelta(minutes=1))
    services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=now)
    page.click("#confirm button[type=submit]")
    page.wait_for_selector("#booking-error")
    assert page.evaluate(FOCUSED) == [
        "booking-error",
        "Your hold expired and the seats have been taken by someone else.",
    ]

    later = SlotFactory.create(listing=listing, starts_at=slot.starts_at + timedelta(days=1))
    booking = services.hold_seats(guest=guest, slot_id=later.pk, seats=1, now=now)
    services.confirm_booking(guest=guest, reference=booking.reference, now=now)
    page.goto(f"{live_server.url}/bookings/{booking.reference}/")
    page.locator("#id_to_email").evaluate("box => { box.type = 'text'; }")
    page.fill("#id_to_email", "not an address")
    page.click("#transfer-form button[type=submit]")
    page.wait_for_selector("#transfer-form-error")
    assert page.evaluate(FOCUSED)[0] == "transfer-form-error"

    page.goto(f"{live_server.url}/bookings/{booking.reference}/cancel/")
    page.locator("#refund input[name=refund]").evaluate("box => { box.value = '1'; }")
    page.click("#refund button[type=submit]")
    page.wait_for_selector("#cancel-error")
    assert page.evaluate(FOCUSED)[0] == "cancel-error"

    page.goto(f"{live_server.url}/things-to-do/{listing.pk}/")
    page.click(".book-form__waitlist summary")
    _loosen(page, "#wait-seats")
    page.fill("#wait-seats", "7")
    page.click("#waitlist-form button[type=submit]")
    page.wait_for_selector("#waitlist-error")
    assert page.evaluate(FOCUSED)[0] == "waitlist-error"

    friend = UserFactory.create(email="friend@example.org")
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email, now=now
    )
    Slot.objects.filter(pk=later.pk).update(starts_at=now - timedelta(minutes=5))
    theirs = _no_script(browser, friend, live_server.url)
    theirs.goto(f"{live_server.url}/bookings/transfer/{secret}/")
    assert theirs.evaluate(FOCUSED)[0] == "transfer-error"
