"""Review (session 19): the public pages in a real browser (headless Chromium through Playwright,
against the live server), as a keyboard user and a visitor use them."""

from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from outings.catalog.tests.factories import ListingFactory, category

pytestmark = pytest.mark.django_db(transaction=True)


def test_show_more_by_keyboard_puts_the_focus_on_the_first_new_card(
    live_server: Any, browser: Any
) -> None:
    """ "Show more" (htmx) appends the next cards and replaces the pager, the link pressed
    included: the focus fell back to the page's start, and the next Tab began at the header
    again, 24 cards above. The focus now moves to the first card added, where reading goes on."""
    tours = category("tours")
    for number in range(settings.PAGE_SIZE + 3):
        ListingFactory.create(category=tours, title=f"Harbour walk {number:02d}")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/things-to-do/")
    page.focus("#pager a[rel=next]")
    page.keyboard.press("Enter")
    expect(page.locator("#results > li")).to_have_count(settings.PAGE_SIZE + 3)

    first_new = page.locator("#results > li").nth(settings.PAGE_SIZE).locator("a.card__link")
    expect(first_new).to_be_focused()
    page.keyboard.press("Tab")  # on from there, not from the top of the page
    card_of_focus = page.evaluate(
        "[...document.querySelectorAll('#results > li')]"
        ".findIndex((card) => card.contains(document.activeElement))"
    )
    assert card_of_focus >= settings.PAGE_SIZE
