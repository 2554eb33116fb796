"""Cached anonymous pages in a real browser: the language menu, whose form carries no CSRF token
on a page shared by every anonymous visitor (outings.web.views.set_language)."""

from typing import Any

import pytest

from outings.catalog.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_an_anonymous_visitor_switches_a_cached_page_to_german_and_back(
    live_server: Any, browser: Any, javascript: bool
) -> None:
    listing = ListingFactory.create(title="Harbour kayak tour")
    url = f"{live_server.url}/things-to-do/{listing.pk}/"
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    page.goto(url)  # the second visit is the cached page
    assert page.get_attribute("html", "lang") == "en"

    page.select_option("#language-select", "de")
    page.click(".lang-switch button")
    page.wait_for_selector('html[lang="de"]')
    assert page.url == url
    assert "Preis pro Person" in page.inner_text("main")

    page.select_option("#language-select", "en")
    page.click(".lang-switch button")
    page.wait_for_selector('html[lang="en"]')
    assert "Price per person" in page.inner_text("main")
    context.close()
