"""Review (session 20): the public pages in a real browser (headless Chromium through Playwright,
against the live server)."""

from typing import Any

import pytest
from playwright.sync_api import expect

from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_choosing_a_language_changes_nothing_until_the_button_is_pressed(
    live_server: Any, browser: Any
) -> None:
    """The language menu submitted itself when its select changed: a keyboard user stepping
    through the options with the arrow keys was sent to another page in another language at the
    first one (WCAG 2.2 SC 3.2.2 On Input). Choosing an option now only chooses it; the visible
    "Change" button beside the menu switches the page."""
    listing = ListingFactory.create(title="Harbour kayak tour")
    url = f"{live_server.url}/things-to-do/{listing.pk}/"
    page = browser.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)

    page.focus("#language-select")
    page.select_option("#language-select", "de")
    page.wait_for_timeout(500)  # an auto-submit would have left the page by now

    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == url
    expect(page.locator("#language-select")).to_have_value("de")
    button = page.locator(".lang-switch button[type=submit]")
    expect(button).to_be_visible()
    expect(button).to_have_text("Change")

    with page.expect_navigation():
        button.click()

    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert page.url == url
    expect(page.locator("h1")).to_have_text("Harbour kayak tour")
