"""Review (session 19): a date that starts at the very instant of the search. A hold takes seats
only on a date that has not begun (`starts_at > now`, bookings' seat UPDATE), and the bookable
dates read so since session 18 (bookings/tests/test_review_session18_starts_now.py); search's
availability (sql.BOOKABLE_SLOT, "available this weekend") took `starts_at >= now` when the
window starts now (no dates chosen, or From today): a date starting exactly now was the hit's
next date, kept a listing in "soonest available", counted for the weekend and made a listing
"more like this", and was then refused. From its start it is no longer offered; a
microsecond before, it is, as it can be held. A window starting at a chosen day's midnight
still takes a date at that midnight (test_review_session16_availability.py)."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.search.engine import search
from outings.search.query import SearchQuery
from outings.search.related import similar

pytestmark = pytest.mark.django_db

BEFORE = timedelta(microseconds=1)


def _a_saturday_noon() -> datetime:
    """Noon UTC on a Saturday a week or two ahead: a date then is in the weekend it is in."""
    day = timezone.now().date() + timedelta(days=7)
    day += timedelta(days=(5 - day.weekday()) % 7)
    return datetime.combine(day, time(12), UTC)


def _offered(now: datetime) -> dict[str, Any]:
    page = search(SearchQuery(text="lighthouse"), now=now)
    soonest = search(SearchQuery(text="lighthouse", sort="soonest"), now=now)
    for_two = search(SearchQuery(text="lighthouse", guests=2), now=now)
    today = search(SearchQuery(text="lighthouse", date_from=now.date()), now=now)
    weekend = {value.value: value.count for value in page.facets["weekend"]}
    return {
        "next date": [hit.next_slot.slot_id if hit.next_slot else None for hit in page.hits],
        "soonest": [hit.listing_id for hit in soonest.hits],
        "for two": [hit.listing_id for hit in for_two.hits],
        "from today": [hit.listing_id for hit in today.hits],
        "weekend": weekend.get("available", 0),
    }


def test_a_date_starting_at_the_searchs_instant_is_offered_only_while_it_can_be_held(
    make_listing: Any, make_slot: Any
) -> None:
    starts = _a_saturday_noon()
    listing = make_listing("Lighthouse walk")
    slot = make_slot(listing, starts_at=starts)

    assert _offered(starts) == {
        "next date": [None],
        "soonest": [],
        "for two": [],
        "from today": [],
        "weekend": 0,
    }
    assert _offered(starts - BEFORE) == {
        "next date": [slot.pk],
        "soonest": [listing.pk],
        "for two": [listing.pk],
        "from today": [listing.pk],
        "weekend": 1,
    }


def test_more_like_this_leaves_out_a_listing_whose_only_date_starts_now(
    make_listing: Any, make_slot: Any
) -> None:
    starts = _a_saturday_noon()
    source = make_listing("Lighthouse walk")
    other = make_listing("Lighthouse walk at dusk")
    make_slot(other, starts_at=starts)

    assert [s.listing_id for s in similar(listing_id=source.pk, now=starts)] == []
    assert [s.listing_id for s in similar(listing_id=source.pk, now=starts - BEFORE)] == [other.pk]
