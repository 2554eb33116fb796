"""The explore page as a guest uses it in a real browser (Debian's Chromium through Playwright,
against the live server): history, focus and the search box's suggestions. Each test failed on
the code it was written against."""

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from outings.catalog.tests.factories import ListingFactory, category
from outings.search.services import load_exchange_rates, refresh_lexicon

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue(db: None) -> None:
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    ListingFactory(category=category("tours"), title="Harbour kayak tour")
    ListingFactory(category=category("culture"), title="Royal museum tour")
    ListingFactory(category=category("food"), title="Market food tour")
    ListingFactory(category=category("tours"), title="Island boat trip")
    refresh_lexicon()


def _explore(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    page.goto(url)
    page.wait_for_selector("#results .hit")
    return page


def _search(page: Any, text: str) -> None:
    page.fill("#id_q", text)
    with page.expect_response(lambda r: f"q={text}" in r.url and "/suggest" not in r.url):
        page.press("#id_q", "Enter")
    _wait_for_query(page, lambda query: f"q={text}" in query)


def _wait_for_query(page: Any, wanted: Callable[[str], bool]) -> None:
    """Until the address's query string is `wanted` (htmx pushes it). Checked from here, not by
    a predicate the page evaluates: the site's Content-Security-Policy forbids eval there."""
    page.wait_for_url(lambda url: wanted(urlsplit(url).query))


def test_one_search_is_one_step_back(live_server: Any, browser: Any, catalogue: None) -> None:
    """A guest on "kayak" types "museum" and presses Enter, then presses Back to see the kayaks
    again. Nothing happens: Enter fires the box's `change` and the form's `submit`, both
    trigger the form (`hx-trigger="submit, change"`), and each of the two identical requests
    pushes its own history entry, so Back only goes from "museum" to "museum"."""
    page = _explore(browser, f"{live_server.url}/explore/?q=kayak")
    entries = page.evaluate("history.length")
    _search(page, "museum")
    page.wait_for_selector("#results >> text=Royal museum tour")
    page.wait_for_timeout(300)  # let a second answer arrive, if there is one

    assert page.evaluate("history.length") == entries + 1
    page.go_back()
    page.wait_for_selector("#results >> text=Harbour kayak tour")
    assert "q=kayak" in page.url


def test_back_shows_the_whole_page_when_htmx_has_no_copy_of_it(
    live_server: Any, browser: Any, catalogue: None
) -> None:
    """A guest searches "kayak", then "museum", and presses Back. htmx keeps its copies of
    earlier pages in sessionStorage, ten at most; when it has none (more than ten searches back,
    storage full or refused) it asks the server for the page with `HX-Request: true`, and the
    view answers that header with the results fragment alone. htmx puts the fragment in place
    of the whole body: the header, the search form, the filters and the map are gone, and only
    the list of results is left on a blank page."""
    page = _explore(browser, f"{live_server.url}/explore/?q=kayak")
    _search(page, "museum")
    page.wait_for_selector("#results >> text=Royal museum tour")
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")

    page.go_back()
    page.wait_for_selector("#results >> text=Harbour kayak tour")

    assert page.locator("form#explore").count() == 1
    assert page.locator("h1").inner_text() == "Explore things to do"
    assert page.locator("#id_q").input_value() == "kayak"


def test_back_and_forward_show_the_form_as_it_was_for_that_search(
    live_server: Any, browser: Any, catalogue: None
) -> None:
    """A guest searches "kayak", then "museum", then sorts by newest, and presses Back: the
    URL and the results are those of "museum" by best match, but the box still says "kayak"
    (htmx restores the page's HTML, where the box's value attribute is still the one the
    server first rendered; the form outside the results is never rendered again). Forward
    brings the newest-first results back with the sort menu on "Best match". The next change
    of any filter then searches for what the form wrongly shows."""
    page = _explore(browser, f"{live_server.url}/explore/?q=kayak")
    _search(page, "museum")
    with page.expect_response(lambda r: "sort=newest" in r.url):
        page.select_option("select[name=sort]", "newest")
    _wait_for_query(page, lambda query: "sort=newest" in query)

    page.go_back()
    _wait_for_query(page, lambda query: "sort=newest" not in query)
    page.wait_for_selector("#results >> text=Royal museum tour")
    assert page.locator("#id_q").input_value() == "museum"
    assert page.locator("select[name=sort]").input_value() == "relevance"

    page.go_forward()
    _wait_for_query(page, lambda query: "sort=newest" in query)
    assert page.locator("#id_q").input_value() == "museum"
    assert page.locator("select[name=sort]").input_value() == "newest"


def test_ticking_a_category_with_the_keyboard_keeps_the_focus_on_it(
    live_server: Any, browser: Any, catalogue: None
) -> None:
    """A keyboard user tabs to the "Food" category and presses Space. The results are swapped
    in with new checkboxes, and the one that had the focus is gone from the page: the focus
    falls back to the document, and the next Tab starts again from the top of the page."""
    page = _explore(browser, f"{live_server.url}/explore/?q=tour")
    page.focus("#results input[name=category][value=food]")
    with page.expect_response(lambda r: "category=food" in r.url):
        page.keyboard.press("Space")
    page.wait_for_selector("#results input[name=category][value=food]:checked")

    focused = page.evaluate("[document.activeElement.name, document.activeElement.value]")
    assert focused == ["category", "food"]


def test_suggestions_are_chosen_with_the_arrow_keys_and_enter(
    live_server: Any, browser: Any, catalogue: None
) -> None:
    """A guest types "harb" and the suggestion "Harbour kayak tour" appears under the box.
    ArrowDown does not move to it (nothing listens to the keys; the list is a set of links
    after the Search button), and Enter searches for "harb" instead of taking it."""
    page = _explore(browser, f"{live_server.url}/explore/?q=tour")
    page.fill("#id_q", "")
    page.type("#id_q", "harb")
    page.wait_for_selector("#suggestions >> text=Harbour kayak tour")

    page.keyboard.press("ArrowDown")
    active = page.get_attribute("#id_q", "aria-activedescendant")
    assert active, "no suggestion became active"
    assert "Harbour kayak tour" in page.inner_text(f"#{active}")
    assert page.get_attribute(f"#{active}", "aria-selected") == "true"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("h1").inner_text() == "Harbour kayak tour"


def test_escape_closes_the_suggestions_and_a_search_closes_them_too(
    live_server: Any, browser: Any, catalogue: None
) -> None:
    """Escape leaves the suggestions open over the results (and, in a search box, clears what
    the guest typed); pressing Enter searches but the list stays open, covering the results
    it was meant to lead to."""
    page = _explore(browser, f"{live_server.url}/explore/?q=tour")
    page.fill("#id_q", "")
    page.type("#id_q", "harb")
    page.wait_for_selector("#suggestions >> text=Harbour kayak tour")

    page.keyboard.press("Escape")
    assert page.locator("#suggestions li").count() == 0
    assert page.locator("#id_q").input_value() == "harb"

    page.type("#id_q", "o")
    page.wait_for_selector("#suggestions >> text=Harbour kayak tour")
    with page.expect_response(lambda r: "q=harbo" in r.url and "/suggest" not in r.url):
        page.press("#id_q", "Enter")
    page.wait_for_selector("#results >> text=Harbour kayak tour")
    page.wait_for_timeout(400)  # a late answer to the typing must not open it again
    assert page.locator("#suggestions li").count() == 0


def test_changing_the_language_after_a_search_keeps_the_search(
    live_server: Any, browser: Any, catalogue: None
) -> None:
    """A guest opens /explore/?q=kayak, searches "museum" (htmx puts ?q=museum in the address
    bar) and switches the page to German. The language form's `next` was written when the
    page was first rendered, so the guest lands on the German page for "kayak": the search
    they were looking at is gone."""
    page = _explore(browser, f"{live_server.url}/explore/?q=kayak")
    _search(page, "museum")
    page.wait_for_selector("#results >> text=Royal museum tour")

    page.select_option("#language-select", "de")
    with page.expect_navigation():
        page.click(".lang-switch button[type=submit]")

    page.wait_for_selector("html[lang=de]")
    assert "q=museum" in page.url
    assert page.locator("#id_q").input_value() == "museum"
