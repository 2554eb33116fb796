"""The explore page's "More results" and "Previous results" across the hourly ranking refresh,
in a real browser (Debian's Chromium through Playwright, against the live server). The test
failed on the code it was written against."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory
from outings.search.services import load_exchange_rates, refresh_ranking

pytestmark = pytest.mark.django_db(transaction=True)


def test_more_results_after_the_hourly_refresh_goes_on_where_the_first_page_ended(
    live_server: Any, browser: Any
) -> None:
    """A guest reads the first 20 of 22 walks at 10:59 and clicks "More results" at 11:00,
    after the hourly refresh moved every walk's freshness: the page said "These results were
    ranked anew: start again". It now shows the two walks the first page had not, and
    "Previous results" the first twenty again."""
    load_exchange_rates(path=Path(settings.BASE_DIR) / "data" / "exchange_rates.csv")
    now = timezone.now()
    walks = [ListingFactory.create(title=f"Harbour walk {n}") for n in range(22)]
    for age, walk in enumerate(walks):
        Listing.objects.filter(pk=walk.pk).update(created_at=now - timedelta(days=age))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/explore/?q=harbour+walk")
    page.wait_for_selector("#results .hit")
    first = page.locator("#results .hit__title").all_inner_texts()
    assert len(first) == 20
    assert refresh_ranking(now=timezone.now()) == 22

    page.click("text=More results")
    page.wait_for_url(lambda url: "cursor=" in url)
    page.wait_for_selector("#results >> text=Harbour walk 1")

    assert page.locator("#results .hit__title").all_inner_texts() == [
        "Harbour walk 1",
        "Harbour walk 0",
    ]
    assert page.locator("#results .notice--error").count() == 0
    page.click("text=Previous results")
    page.wait_for_selector("#results >> text=Harbour walk 21")
    assert page.locator("#results .hit__title").all_inner_texts() == first
