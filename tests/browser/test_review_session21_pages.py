"""Review (session 21): the list of things to do in a real browser (headless Chromium through
Playwright, against the live server)."""

from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from outings.catalog.tests.factories import ListingFactory, category

pytestmark = pytest.mark.django_db(transaction=True)


def test_show_more_with_a_broken_page_link_tells_the_visitor_and_offers_the_first_page(
    live_server: Any, browser: Any
) -> None:
    """ "Show more" whose page link is broken (edited, cut short in a shared address) got a
    400 page, which htmx does not swap in: the button did nothing at all, with no word why. The
    pager now says the link is not valid, in place, with the way back to the first page, which
    takes the focus (the button pressed is gone); the cards shown stay."""
    tours = category("tours")
    for number in range(settings.PAGE_SIZE + 3):
        ListingFactory.create(category=tours, title=f"Harbour walk {number:02d}")
    page = browser.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/things-to-do/?category=tours")
    page.evaluate(
        """() => {
            const more = document.querySelector("#pager a[rel=next]");
            more.setAttribute("hx-get", "?category=tours&after=not-a-cursor");
            htmx.process(more);
        }"""
    )

    page.focus("#pager a[rel=next]")
    page.keyboard.press("Enter")

    alert = page.locator("#pager [role=alert]")
    expect(alert).to_contain_text("The link to this page of results is broken or out of date.")
    expect(page.locator("#results > li")).to_have_count(settings.PAGE_SIZE)
    first_page = page.locator("#pager a", has_text="Go to the first page")
    expect(first_page).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{live_server.url}/things-to-do/?category=tours"
    expect(page.locator("#results > li")).to_have_count(settings.PAGE_SIZE)
