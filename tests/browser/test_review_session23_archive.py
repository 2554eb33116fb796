"""Session 23: the listing page's Archive button, in Chromium. It archived the listing at once,
for good, beside Pause; it now opens a page saying what archiving does, with Pause instead, and
only its "Archive for good" archives. No script is needed for either (plain forms)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory, SlotFactory
from outings.catalog.tests.factories import category as make_category
from tests.browser.conftest import signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("nudges")]


@pytest.fixture
def on_sale() -> Listing:
    make_category("tours")
    listing = ListingFactory.create(
        host=HostProfileFactory.create(), status=Listing.Status.PUBLISHED
    )
    SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=5))
    return listing


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_a_host_pausing_instead_of_archiving(
    live_server: Any, browser: Any, on_sale: Listing, script: bool
) -> None:
    context = signed_in(browser, on_sale.host.user, live_server.url, java_script_enabled=script)
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/host/listings/{on_sale.pk}/")
    page.get_by_role("button", name="Archive", exact=True).click()

    page.get_by_role("heading", name="Archive this listing?").wait_for()
    assert "This cannot be undone." in page.content()
    on_sale.refresh_from_db()
    assert on_sale.status == Listing.Status.PUBLISHED
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_url(f"{live_server.url}/host/listings/{on_sale.pk}/")
    on_sale.refresh_from_db()
    assert on_sale.status == Listing.Status.PAUSED


def test_a_host_archiving_for_good(live_server: Any, browser: Any, on_sale: Listing) -> None:
    page = signed_in(browser, on_sale.host.user, live_server.url).new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/host/listings/{on_sale.pk}/")
    page.get_by_role("button", name="Archive", exact=True).click()
    page.get_by_role("button", name="Archive for good").click()

    page.wait_for_url(f"{live_server.url}/host/listings/{on_sale.pk}/")
    on_sale.refresh_from_db()
    assert on_sale.status == Listing.Status.ARCHIVED
