"""The listing page's booking form in the browser's history (docs/pages.md, "One listing"): Back
shows the form as the guest left it, with its one-time token; a reload asks for a new one."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
    category,
)
from tests.browser.conftest import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reload_of_the_listing_page_gets_a_new_form_token(
    live_server: Any, browser: Any, nudges: list[str]
) -> None:
    category("tours")
    listing = ListingFactory.create(host=HostProfileFactory.create())
    SlotFactory.create(listing=listing, starts_at=timezone.now() + timedelta(days=3))
    page = signed_in(browser, UserFactory.create(), live_server.url).new_page()
    page.set_default_timeout(15_000)
    token = page.locator("#book-form input[name=form_token]")

    page.goto(f"{live_server.url}/things-to-do/{listing.pk}/")
    first = token.input_value()
    page.reload()

    assert token.input_value() not in ("", first)
