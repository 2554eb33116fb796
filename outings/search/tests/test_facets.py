from datetime import UTC, datetime, timedelta

import pytest

from outings.search.engine import search
from outings.search.engine.where import weekend as _weekend
from outings.search.query import SearchQuery

pytestmark = pytest.mark.django_db


def counts(page, facet):
    return {value.value: value.count for value in page.facets[facet]}


def test_facet_counts_are_exact_for_the_current_query(make_listing):
    make_listing("walking tour a", category="tours", price_amount=0, languages=["en", "fr"])
    make_listing("walking tour b", category="tours", currency="EUR", price_amount=3000)
    make_listing("walking food crawl", category="food", duration_minutes=200, city="Montreal")
    make_listing("opera night", category="music")

    page = search(SearchQuery(text="walking"))

    assert counts(page, "category") == {"tours": 2, "food": 1}
    assert counts(page, "language") == {"en": 3, "fr": 1}
    assert counts(page, "city") == {"Toronto": 2, "Montreal": 1}
    assert counts(page, "price") == {"free": 1, "1-25": 1, "25-50": 1}
    assert counts(page, "duration") == {"61-180": 2, "181-480": 1}


def test_a_facets_own_selection_does_not_narrow_its_own_counts(make_listing):
    make_listing("a", category="tours", languages=["en"])
    make_listing("b", category="food", languages=["de"])
    make_listing("c", category="food", languages=["en"])

    page = search(SearchQuery(categories=("tours",)))

    assert counts(page, "category") == {"food": 2, "tours": 1}
    assert [v.value for v in page.facets["category"] if v.selected] == ["tours"]
    assert counts(page, "language") == {"en": 1}  # other facets follow the selection
    assert [hit.title for hit in page.hits] == ["a"]


def test_available_this_weekend_counts_listings_with_a_weekend_slot(make_listing, make_slot):
    from django.utils import timezone

    from outings.scheduling.models import Slot

    start, end = _weekend(SearchQuery(), timezone.now())
    weekend = make_listing("weekend")
    middle = start + (end - start) / 2
    Slot.objects.create(
        listing=weekend, starts_at=middle, ends_at=middle + timedelta(hours=1), capacity=5
    )
    make_slot(make_listing("weekday"), in_days=30)

    page = search(SearchQuery())

    assert counts(page, "weekend") == {"available": 1}


@pytest.mark.parametrize(
    ("now", "saturday"),
    [
        (datetime(2026, 11, 25, 12, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)),  # Wednesday
        (datetime(2026, 11, 28, 12, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)),  # Saturday
        (datetime(2026, 11, 29, 12, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)),  # Sunday
    ],
)
def test_this_weekend_is_the_coming_or_current_one(now, saturday):
    start, end = _weekend(SearchQuery(), now)

    assert start == max(saturday, now)
    assert end == saturday + timedelta(days=2)


def test_the_city_facet_keeps_the_fifteen_largest_cities_and_ignores_its_own_selection(
    make_listing,
):
    # 17 cities: "City 01" has 1 listing ... "City 17" has 17; the largest 15 are kept.
    for number in range(1, 18):
        for copy in range(number):
            make_listing(f"tour {number}-{copy}", city=f"City {number:02d}")

    page = search(SearchQuery(cities=("City 01",)))

    # The largest 15, and the selected city beyond them (test_review_session21_facets.py).
    assert counts(page, "city") == {f"City {n:02d}": n for n in (1, *range(3, 18))}
    assert [v.value for v in page.facets["city"]][:2] == ["City 17", "City 16"]
    assert [hit.title for hit in page.hits] == ["tour 1-0"]
    # The other facets count the selected city's one listing.
    assert counts(page, "category") == {"tours": 1}
    assert sum(counts(page, "price").values()) == 1


def test_equal_counts_at_the_fifteenth_city_are_broken_by_name(make_listing):
    for number in range(1, 17):
        make_listing(f"tour {number}", city=f"Town {number:02d}")

    page = search(SearchQuery())

    assert [v.value for v in page.facets["city"]] == [f"Town {n:02d}" for n in range(1, 16)]
