"""The explore page in a real browser, with and without JavaScript (review of the explore area)."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from outings.catalog.tests.factories import ListingFactory, category
from outings.search.services import load_exchange_rates

pytestmark = pytest.mark.django_db(transaction=True)


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
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    ListingFactory(category=category("tours"), title="Harbour kayak tour")
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/explore/?q=kayak")
    page.wait_for_selector("text=Harbour kayak tour")

    page.fill("input[name=near]", "Atlantis")
    with page.expect_response(lambda r: "near=Atlantis" in r.url) as answer:
        page.press("input[name=near]", "Enter")
    assert answer.value.status == 400  # the server did answer with the message

    page.wait_for_selector("text=Please check your search", timeout=5_000)
    assert "We do not know that place." in page.inner_text("#results")
    context.close()
