"""The explore page in a real browser for guests who use a screen reader or the keyboard
(review, session 12). Each test failed on the code it was written against."""

from typing import Any

import pytest

from outings.catalog.tests.factories import ListingFactory, category
from tests.browser.test_review_explore_js import explore, rates  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_search_changes_the_text_of_the_status_region_that_stays(
    live_server: Any, browser: Any
) -> None:
    """A screen reader announces a change inside a live region it already knows. The results
    section was the page's only live region, and each search replaced it whole (htmx's
    outerHTML): the new node was never announced, so a blind guest heard nothing of the new
    results. The status region is the same node before and after the search, and its text is
    the new count."""
    for n in range(3):
        ListingFactory(category=category("tours"), title=f"Harbour kayak {n}")
    ListingFactory(category=category("culture"), title="Royal museum tour")
    page = explore(browser, live_server, "q=kayak")
    page.wait_for_selector("#results .hit")
    status = page.locator('[role="status"]')
    assert status.inner_text() == "3 results"
    page.evaluate("document.querySelector('[role=status]').dataset.seen = 'yes'")

    page.fill("#id_q", "museum")
    with page.expect_response(lambda r: "q=museum" in r.url and "/suggest" not in r.url):
        page.press("#id_q", "Enter")
    page.wait_for_selector("#results >> text=Royal museum tour")

    assert status.count() == 1
    assert status.get_attribute("data-seen") == "yes"  # the same node, not a new one
    assert status.inner_text() == "1 result"
    page.context.close()


def test_moving_the_map_with_the_keyboard_offers_to_search_this_area(
    live_server: Any, browser: Any
) -> None:
    """Leaflet moves the map with the arrow keys once it has the focus, but "Search this
    area" appeared only after a drag with the mouse (`dragend`): a keyboard user could move the
    map and never search there."""
    ListingFactory(category=category("tours"), title="Harbour kayak tour")
    page = explore(browser, live_server, "q=kayak", viewport={"width": 1280, "height": 900})
    page.wait_for_selector("#map .leaflet-marker-icon")
    page.wait_for_timeout(500)  # the map's own fitting to the results is not the guest's move
    assert page.locator("#search-area").is_hidden()

    page.focus("#map")
    page.keyboard.press("ArrowRight")

    page.wait_for_selector("#search-area:not([hidden])", timeout=3_000)
    with page.expect_response(lambda r: "bbox=" in r.url) as answer:
        page.press("#search-area", "Enter")
    assert answer.value.status == 200
    page.context.close()


@pytest.mark.parametrize("path", ["/explore/?q=kayak", "/"], ids=["explore", "home"])
def test_a_button_that_needs_javascript_is_not_shown_without_it(
    live_server: Any, browser: Any, path: str
) -> None:
    """The buttons "Search this area" (explore) and "Show things near me" (home) are `hidden` until
    their script shows them, but `.button { display: inline-flex }` overrides the browser's own
    `[hidden] { display: none }`: both were on screen from the start, and without JavaScript
    (or on the explore page before the map was moved) pressing them did nothing."""
    ListingFactory(category=category("tours"), title="Harbour kayak tour")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")

    button = page.locator("#search-area, [data-locate]")
    assert button.count() == 1
    assert button.is_hidden()
    context.close()
