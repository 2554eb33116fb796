"""Review of the home page's aggregates (outings.web.views, outings.web.warming) against what
docs/pages.md says of them: each test names what goes wrong today and why."""

import re

from django.conf import settings

from outings.web import views


def test_it_states_how_long_the_home_pages_aggregates_are_kept_as_the_code_keeps_them() -> None:
    """docs/pages.md:50 says the home page's busiest city and category counts "are cached for 5
    minutes", but commit 0970837 raised AGGREGATE_CACHE_SECONDS from 300 to 600
    (outings/web/views.py:41), refreshed every 240 s by beat (config/settings.py, "refresh-
    aggregates"), and the busiest city's entry now also holds the ids of its newest listings
    (catalog.selectors.CityPicks), so "Popular in <city>" (docs/pages.md:44) shows the newest
    listings as of the last refresh, not the newest. Expected: the Home section states the
    figure the code uses (docs/caching.md's "600 s, refreshed every 240 s by beat") and that the
    city's listings are picked at the refresh."""
    home = (settings.BASE_DIR / "docs" / "pages.md").read_text().split("## Home", 1)[1]
    home = home.split("\n## ", 1)[0]
    stated = re.search(r"cached for (\d+) minutes", home)

    assert stated is None or int(stated.group(1)) * 60 == views.AGGREGATE_CACHE_SECONDS
