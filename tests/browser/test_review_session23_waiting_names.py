"""Review (session 23): "My bookings" lists the waiting lists a guest is on, each with a
"Leave the waiting list" button, and every one of those buttons had that same name: a screen
reader going through the page's buttons (or a voice user saying the button's name) heard the
same words for each date, with nothing to say which waiting list each one leaves (WCAG 2.4.6,
2.4.9). Each button's name now goes on with its listing and date, written out of sight after
the words shown, in brackets (so that the visible label begins the name, 2.5.3)."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.bookings import services
from outings.catalog.tests import factories
from outings.scheduling.models import Slot
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def _full_date(title: str, *, days: int) -> Slot:
    listing = factories.ListingFactory.create(
        host=factories.HostProfileFactory.create(), title=title, max_group_size=6, time_zone="UTC"
    )
    start = (timezone.now() + timedelta(days=days)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    slot = factories.SlotFactory.create(listing=listing, starts_at=start, capacity=2)
    services.hold_seats(
        guest=factories.UserFactory.create(), slot_id=slot.pk, seats=2, now=timezone.now()
    )
    return slot


def test_each_leave_button_names_the_waiting_list_it_leaves(
    live_server: Any, browser: Any, nudges: list[str]
) -> None:
    factories.category("tours")
    walk, tour = _full_date("Harbour walk", days=5), _full_date("Old town tour", days=6)
    walk_again = factories.SlotFactory.create(
        listing=walk.listing, starts_at=walk.starts_at + timedelta(days=2), capacity=2
    )
    services.hold_seats(
        guest=factories.UserFactory.create(), slot_id=walk_again.pk, seats=2, now=timezone.now()
    )
    guest = factories.UserFactory.create()
    for slot in (walk, tour, walk_again):
        services.join_waitlist(guest=guest, slot_id=slot.pk, seats=1, now=timezone.now())
    page = signed_in(browser, guest, live_server.url).new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/bookings/")

    snapshot = page.locator("section[aria-labelledby=waiting-heading]").aria_snapshot()
    names = re.findall(r'button "([^"]*)"', snapshot)
    assert len(names) == 3
    assert len(set(names)) == 3
    assert all(re.fullmatch(r"Leave the waiting list \(.+, .+ UTC\)", name) for name in names)
    assert sum("Harbour walk" in name for name in names) == 2
    assert sum("Old town tour" in name for name in names) == 1
