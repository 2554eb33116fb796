"""The listings that cache warming renders (the most viewed of the last POPULAR_DAYS) are
counted on each listing's own days, as its figures are (session 20): the window was UTC's
calendar, so around midnight a listing east of UTC counted a day too old, and one west of it
missed its oldest day."""

from datetime import UTC, date, datetime

import pytest

from outings.catalog.tests.factories import ListingFactory
from outings.stats.models import ListingDay
from outings.stats.selectors import most_viewed_listings
from outings.web.warming import POPULAR_DAYS

pytestmark = pytest.mark.django_db

# 00:05 on 11 March 2026 in Kathmandu (UTC+5:45) is 18:20 on the 10th in UTC.
KATHMANDU_JUST_AFTER_MIDNIGHT = datetime(2026, 3, 10, 18, 20, tzinfo=UTC)
# 23:50 on 9 March 2026 in Toronto (EDT, UTC-4) is 03:50 on the 10th in UTC.
TORONTO_JUST_BEFORE_MIDNIGHT = datetime(2026, 3, 10, 3, 50, tzinfo=UTC)


def test_the_window_ends_on_a_listing_east_of_utcs_own_today() -> None:
    """In Kathmandu it is the 11th: its window is the 4th to the 11th, and the 3rd is out."""
    kathmandu = ListingFactory.create(time_zone="Asia/Kathmandu")
    ListingDay.objects.create(listing=kathmandu, day=date(2026, 3, 3), views=100)
    utc = ListingFactory.create(time_zone="UTC")
    ListingDay.objects.create(listing=utc, day=date(2026, 3, 10), views=5)

    popular = most_viewed_listings(now=KATHMANDU_JUST_AFTER_MIDNIGHT, days=POPULAR_DAYS, limit=10)

    assert popular == [utc.pk]


def test_the_window_of_a_listing_west_of_utc_keeps_its_oldest_day() -> None:
    """In Toronto it is still the 9th: its window is the 2nd to the 9th."""
    toronto = ListingFactory.create(time_zone="America/Toronto")
    ListingDay.objects.create(listing=toronto, day=date(2026, 3, 2), views=100)
    utc = ListingFactory.create(time_zone="UTC")
    ListingDay.objects.create(listing=utc, day=date(2026, 3, 2), views=100)

    popular = most_viewed_listings(now=TORONTO_JUST_BEFORE_MIDNIGHT, days=POPULAR_DAYS, limit=10)

    assert popular == [toronto.pk]
