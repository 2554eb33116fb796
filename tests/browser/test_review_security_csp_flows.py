"""The site's Content-Security-Policy in a real browser, second pass (security review, session
14): the flows a visitor, a guest and a host walk through, clicked and typed as they would, work
under the policy and the browser refuses nothing on the way. `browser` (tests/browser/conftest.py)
collects every refusal of every page in `browser.refused`; each test reads it at its end."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from outings.catalog.tests.factories import ListingFactory, category
from outings.search.services import load_exchange_rates, refresh_lexicon

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue(db: None) -> None:
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    kayak, museum = "Harbour kayak tour", "Royal museum tour"
    ListingFactory(category=category("tours"), title=kayak, latitude=59.91, longitude=10.75)
    ListingFactory(category=category("culture"), title=museum, latitude=48.86, longitude=2.35)
    refresh_lexicon()


def test_after_back_the_explore_pages_map_is_a_working_map(
    live_server: Any, browser: Any, catalogue: None
) -> None:
    """htmx keeps a copy of the page's HTML for Back, Leaflet's map in it: the panes, tiles and
    markers Leaflet positions with inline styles came back as style attributes, which the policy
    refuses (the browser reported each), and as a picture of a map, dead to the mouse and the
    keys, with the other search's markers. After Back the map is a map again, of those
    results, and moving it offers to search that area."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/explore/?q=kayak")
    page.wait_for_selector("#map .leaflet-marker-icon[title='Harbour kayak tour']")
    page.fill("#id_q", "museum")
    page.press("#id_q", "Enter")
    page.wait_for_selector("#map .leaflet-marker-icon[title='Royal museum tour']")

    page.go_back()
    page.wait_for_selector("#results >> text=Harbour kayak tour")
    page.wait_for_selector("#map .leaflet-marker-icon[title='Harbour kayak tour']")
    page.wait_for_timeout(500)  # the map's own fitting to the results is not the guest's move
    assert page.locator("#map .leaflet-marker-icon").count() == 1
    assert page.locator("#search-area").is_hidden()
    page.focus("#map")
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#search-area:not([hidden])", timeout=3_000)
    with page.expect_response(lambda r: "bbox=" in r.url) as answer:
        page.click("#search-area")
    assert answer.value.status == 200

    refused, browser.refused[:] = list(browser.refused), []
    assert refused == []
