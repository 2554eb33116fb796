"""Review (session 24): two bookings landing on a host's open dashboard one right after the other.
The board is refreshed by htmx when the live event comes; an event that came while the first
refresh was still on its way queued a second one on the board's element, and the first refresh
then replaced that element (hx-swap="outerHTML"): htmx drops a request queued on an element no
longer in the page, so the board stayed as the first refresh had read it, without the second
booking, until some later event (its news said nothing of it either). The board's element now
stays and its content is swapped (the dashboard's and a date's roster's), so the queued refresh
runs. The test failed on the code it was written against.

The race is made certain: the first refresh is read from the server before the second booking,
and handed to the page only once the page has heard the second booking's event."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.bookings import services
from outings.catalog.tests import factories
from outings.common.outbox import relay
from outings.scheduling.models import Slot
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

# Counts the live "booking" events the page heard (an init script: the policy allows no eval).
HEARD = """
document.addEventListener("outings:booking", function () {
  window.__heard = (window.__heard || 0) + 1;
});
"""


def _book(slot: Slot) -> str:
    guest = factories.UserFactory.create()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=timezone.now())
    services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
    relay.drain(queue="urgent", budget=10)  # the worker announces it
    return held.reference


def _until(page: Any, done: Any) -> None:
    for _ in range(150):
        if done():
            return
        page.wait_for_timeout(100)
    raise AssertionError("timed out")


@pytest.mark.parametrize("board", ["/host/", "/host/slots/{slot}/roster/"])
def test_a_second_booking_during_the_first_refresh_reaches_the_board(
    front: str, browser: Any, nudges: list[str], board: str
) -> None:
    factories.category("tours")
    host = factories.HostProfileFactory.create()
    listing = factories.ListingFactory.create(host=host, max_group_size=6)
    start = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    slot = factories.SlotFactory.create(listing=listing, starts_at=start, capacity=8)
    context = signed_in(browser, host.user, front)
    context.add_init_script(HEARD)
    page = context.new_page()
    page.set_default_timeout(15_000)
    held: list[tuple[Any, Any]] = []

    def first_refresh_held_back(route: Any) -> None:
        if held:
            route.continue_()
            return
        held.append((route, route.fetch()))  # read now, before the second booking

    page.route(lambda url: "change=" in url, first_refresh_held_back)
    with page.expect_request(lambda request: "/notifications/feed/" in request.url):
        page.goto(front + board.format(slot=slot.pk))

    first = _book(slot)
    _until(page, lambda: bool(held))
    second = _book(slot)
    _until(page, lambda: page.evaluate("window.__heard || 0") == 2)
    route, response = held[0]
    route.fulfill(response=response)

    page.wait_for_selector(f"a[href='/host/bookings/{first}/']")
    page.wait_for_selector(f"a[href='/host/bookings/{second}/']", timeout=10_000)
