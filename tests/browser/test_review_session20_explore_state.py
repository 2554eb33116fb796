"""Review (session 20): the explore page's URL holds the whole state (issue 6 item 9), in a real
browser (Debian's Chromium through Playwright, against the live server), with and without
JavaScript. Each test failed on the code it was written against."""

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from outings.catalog.tests.factories import ListingFactory, category
from outings.search.services import load_exchange_rates, refresh_lexicon
from tests.browser.conftest import drag_the_map

pytestmark = pytest.mark.django_db(transaction=True)

TORONTO_BOX = "43.5,-79.6,43.8,-79.2"


@pytest.fixture
def walks(db: None) -> None:
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    ListingFactory(category=category("tours"), title="Harbour walk")
    ListingFactory(
        category=category("tours"),
        title="Old port walk",
        city="Montreal",
        latitude=45.50,
        longitude=-73.55,
        time_zone="America/Toronto",
    )
    refresh_lexicon()


def _explore(browser: Any, url: str, *, javascript: bool = True) -> Any:
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    return page


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_a_place_suggestion_keeps_the_dates_and_guests(
    live_server: Any, browser: Any, walks: None
) -> None:
    """A visitor with dates and guests chosen types "Montr" and takes the place the box
    suggests: the box asked /explore/suggest for `q` only and the suggestion linked to
    `?near=Montreal`, so the page that came had neither the dates nor the guests."""
    page = _explore(
        browser,
        f"{live_server.url}/explore/?q=walk&date_from=2030-05-01&date_to=2030-05-03&guests=3",
    )
    page.wait_for_selector("#results")
    page.fill("#id_q", "")
    page.type("#id_q", "montr")
    page.wait_for_selector("#suggestions >> text=Montreal")

    page.keyboard.press("ArrowDown")  # the only suggestion, the place
    active = page.get_attribute("#id_q", "aria-activedescendant")
    assert active
    assert "Montreal" in page.inner_text(f"#{active}")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    query = _query(page.url)
    assert query.get("near") == ["Montreal"], page.url
    assert (query["date_from"], query["date_to"], query["guests"]) == (
        ["2030-05-01"],
        ["2030-05-03"],
        ["3"],
    )
    assert "q" not in query
    assert page.locator("input[name=guests]").input_value() == "3"
    assert page.locator("input[name=near]").input_value() == "Montreal"
    page.context.close()


def test_a_place_typed_after_search_this_area_is_not_searched_inside_the_old_area(
    live_server: Any, browser: Any, walks: None
) -> None:
    """After "Search this area" around Toronto, the visitor types Montreal in "Near": the
    hidden `bbox` stayed in the form and Montreal was searched inside the map of Toronto
    (nothing there: the Old port walk never came)."""
    page = _explore(browser, f"{live_server.url}/explore/?q=walk&near=Toronto&radius_km=20")
    page.wait_for_selector("#results >> text=Harbour walk")
    page.wait_for_selector("#map .leaflet-marker-icon")
    drag_the_map(page, by=1 / 50)
    with page.expect_response(lambda r: "bbox=4" in r.url) as area:
        page.click("#search-area")
    assert area.value.status == 200
    assert _query(area.value.url)["area_near"] == ["Toronto"]

    page.fill("input[name=near]", "Montreal")
    with page.expect_response(lambda r: "near=Montreal" in r.url) as answer:
        page.press("input[name=near]", "Enter")

    assert answer.value.status == 200
    assert "bbox" not in _query(answer.value.url)
    page.wait_for_selector("#results >> text=Old port walk")
    assert "bbox" not in _query(page.url)
    page.context.close()


def test_without_javascript_a_place_typed_beside_a_map_area_drops_the_area(
    live_server: Any, browser: Any, walks: None
) -> None:
    """The no-JavaScript path: a page whose URL has a map area around Toronto; the visitor
    types Montreal in "Near" and presses "Apply filters". The form sent the hidden box with
    it and Montreal was searched inside the map of Toronto."""
    page = _explore(
        browser,
        f"{live_server.url}/explore/?q=walk&near=Toronto&bbox={TORONTO_BOX}",
        javascript=False,
    )
    page.wait_for_selector("#results >> text=Harbour walk")
    assert page.locator("#results >> text=Old port walk").count() == 0

    page.fill("input[name=near]", "Montreal")
    with page.expect_navigation():
        page.press("input[name=near]", "Enter")

    page.wait_for_selector("#results >> text=Old port walk")
    page.context.close()


def test_without_javascript_the_page_shows_no_suggestions_and_keeps_its_filters(
    live_server: Any, browser: Any, walks: None
) -> None:
    """Without JavaScript the box suggests nothing; "Apply filters" sends every filter."""
    page = _explore(
        browser,
        f"{live_server.url}/explore/?q=walk&date_from=2030-05-01&guests=3",
        javascript=False,
    )
    page.fill("#id_q", "montr")
    page.wait_for_timeout(300)
    assert page.locator("#suggestions li").count() == 0
    page.fill("input[name=near]", "Montreal")
    with page.expect_navigation():
        page.press("input[name=near]", "Enter")

    query = _query(page.url)
    assert (query["q"], query["near"], query["date_from"], query["guests"]) == (
        ["montr"],
        ["Montreal"],
        ["2030-05-01"],
        ["3"],
    )
    page.context.close()


def test_a_suggestion_clicked_with_the_mouse_is_followed(
    live_server: Any, browser: Any, walks: None
) -> None:
    """A click on a suggestion did nothing: pressing the mouse button took the focus from the
    box, whose `change` started a search of the letters typed, and a search closes the
    suggestions, so the link was gone before the button came up. An option now keeps the
    focus in the box (as a combobox's options do), and the click follows it."""
    page = _explore(browser, f"{live_server.url}/explore/?q=walk&guests=3")
    page.wait_for_selector("#results")
    page.fill("#id_q", "")
    page.type("#id_q", "montr")
    page.wait_for_selector("#suggestions >> text=Montreal")

    page.click("#suggestions >> text=Montreal")

    page.wait_for_url("**near=Montreal**")
    assert _query(page.url) == {
        "guests": ["3"],
        "near": ["Montreal"],
        "currency": ["EUR"],
        "sort": ["relevance"],
    }
    page.context.close()
