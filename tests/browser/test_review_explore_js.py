"""The explore page in a real browser, with and without JavaScript (review of the explore area)."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from outings.catalog.tests.factories import ListingFactory, category
from outings.search.services import load_exchange_rates
from tests.browser.conftest import drag_the_map

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def rates() -> None:
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")


def explore(
    browser: Any, live_server: Any, query: str, *, javascript: bool = True, **options: Any
) -> Any:
    """A new page on /explore/?<query>, with or without JavaScript; `options` go to the page."""
    context = browser.new_context(java_script_enabled=javascript, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/explore/?{query}")
    return page


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_a_place_we_do_not_know_shows_the_friendly_message(
    live_server: Any, browser: Any, javascript: bool
) -> None:
    """A visitor types a place the catalogue does not know into "Near" and submits. The view
    answers 400 with "Please check your search: We do not know that place." (docs/search.md:
    "Bad input gets a friendly list of what to fix (status 400)"). Without JavaScript the
    browser shows that page. With JavaScript htmx sends the request instead, and htmx 2 does not
    swap a 4xx response by default (its responseHandling: "[45].." swap false), and the page
    configures nothing else: the message never appears, the old results stay on screen as if the
    place had been applied, and the URL does not change. The without-js case is the control."""
    ListingFactory(category=category("tours"), title="Harbour kayak tour")
    page = explore(browser, live_server, "q=kayak", javascript=javascript)
    page.wait_for_selector("text=Harbour kayak tour")

    page.fill("input[name=near]", "Atlantis")
    with page.expect_response(lambda r: "near=Atlantis" in r.url) as answer:
        page.press("input[name=near]", "Enter")
    assert answer.value.status == 400  # the server did answer with the message

    page.wait_for_selector("text=Please check your search", timeout=5_000)
    assert "We do not know that place." in page.inner_text("#results")
    page.context.close()


def test_search_this_area_works_across_the_antimeridian(live_server: Any, browser: Any) -> None:
    """A visitor looks at Fiji (a listing at 179.98° E), drags the map a little to the west
    so that the view crosses the 180° meridian, and presses "Search this area". explore.js
    sends Leaflet's bounds as they are (`b.getEast()` is not wrapped: 180.1 rather than
    -179.9), SearchQuery refuses any longitude beyond ±180 (query.py `_point_errors`), so the
    request answers 400 and, with htmx not swapping 4xx answers, nothing at all happens. The
    engine already supports a box whose west is east of its east (where.py); the map never
    sends one. The same happens when the visitor zooms out far enough to see the whole world."""
    ListingFactory(
        category=category("tours"),
        title="Reef snorkelling",
        city="Taveuni",
        country_code="FJ",
        latitude=-16.80,
        longitude=179.98,
        time_zone="Pacific/Fiji",
    )
    page = explore(browser, live_server, "q=snorkelling", viewport={"width": 1280, "height": 900})
    page.wait_for_selector("text=Reef snorkelling")
    page.wait_for_selector("#map .leaflet-marker-icon")

    drag_the_map(page, by=1 / 4)  # the view moves east, past 180°

    with page.expect_response(lambda r: "bbox=" in r.url) as answer:
        page.click("#search-area")

    assert answer.value.status == 200, answer.value.url
    page.wait_for_selector("#results >> text=Reef snorkelling")


def test_search_this_area_is_not_cut_by_the_radius_searched_before(
    live_server: Any, browser: Any
) -> None:
    """A visitor searched within 5 km of a point, moves the map east and presses "Search this
    area": the box is the area now. A listing 6.5 km east of the point, inside the moved map,
    is found; the radius the visitor typed before no longer cuts the box."""
    for title, longitude in (("Harbour walk", -79.380), ("Distillery walk", -79.300)):
        ListingFactory(
            category=category("tours"),
            title=title,
            city="Toronto",
            country_code="CA",
            latitude=43.65,
            longitude=longitude,
            time_zone="America/Toronto",
        )
    page = explore(
        browser,
        live_server,
        "q=walk&lat=43.65&lng=-79.38&radius_km=5",
        viewport={"width": 1280, "height": 900},
    )
    page.wait_for_selector("#results >> text=Harbour walk")
    assert page.locator("#results >> text=Distillery walk").count() == 0
    page.wait_for_selector("#map .leaflet-marker-icon")

    drag_the_map(page, by=1 / 4)  # the view moves east
    with page.expect_response(lambda r: "bbox=" in r.url) as answer:
        page.click("#search-area")

    assert answer.value.status == 200, answer.value.url
    page.wait_for_selector("#results >> text=Distillery walk")


def test_the_markers_use_the_images_the_page_names(live_server: Any, browser: Any) -> None:
    """In production static files have fingerprinted names (marker-icon.2273e3d8ad92.png).
    Leaflet guesses its marker images from leaflet.css's url() and only recognises the plain
    name, so every marker pointed at a file that does not exist. The page names the images by
    their served addresses (`{% static %}` on #map) and the map uses those."""
    ListingFactory(category=category("tours"), title="Harbour kayak tour")
    page = explore(browser, live_server, "q=kayak")
    page.wait_for_selector("#map .leaflet-marker-icon")

    named = page.get_attribute("#map", "data-icon")
    assert named
    assert page.get_attribute("#map .leaflet-marker-icon", "src") == named
    assert page.get_attribute("#map .leaflet-marker-shadow", "src") == page.get_attribute(
        "#map", "data-shadow"
    )


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_a_shared_search_with_a_fractional_radius_can_be_searched_again(
    live_server: Any, browser: Any, javascript: bool
) -> None:
    """The search takes a radius of 0.1 to 1,000 km (2.5 km, say, in a shared link), but the
    page's field said min 1, step 1: the browser's own check refused the form with 2.5 in it,
    and no later search could be sent from that page, with or without JavaScript."""
    ListingFactory(category=category("tours"), title="Harbour kayak tour")
    ListingFactory(category=category("tours"), title="Harbour canoe tour")
    page = explore(
        browser, live_server, "q=kayak&lat=43.65&lng=-79.38&radius_km=2.5", javascript=javascript
    )
    page.wait_for_selector("text=Harbour kayak tour")

    page.fill("input[name=q]", "canoe")
    page.press("input[name=q]", "Enter")

    page.wait_for_selector("text=Harbour canoe tour")
    page.wait_for_url(lambda url: "q=canoe" in url)
    assert "radius_km=2.5" in page.url
