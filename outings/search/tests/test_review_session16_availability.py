"""Review (session 16): what a mutation pass over the availability filter, the next date of a
hit and "available this weekend" found untested. Each test kills mutations of the code that
every search test let pass (the bounds of a date range in the viewer's zone, a group of the
listing's largest size, a hit's next date, a hold lapsing at the very instant of the search, the
weekend's bounds, zone and party); none found a defect in the code as it is."""

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.search.engine import search
from outings.search.query import SearchQuery

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: its days are not UTC's


def _found(params: dict[str, Any]) -> set[str]:
    """The titles the search API answers for `params`."""
    response = Client().get("/api/v1/search", params)
    assert response.status_code == 200, response.content
    return {hit["title"] for hit in response.json()["results"]}


def _local(day: Any, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


# --- a date range is whole days in the viewer's zone --------------------------------------------


def test_a_date_range_takes_its_first_and_last_local_minute_and_nothing_beyond(
    make_listing, make_slot
):
    """From D to D+1 in Berlin is [D 00:00, D+2 00:00) Berlin time: a date at midnight starting
    the first day is in, one at midnight ending the last day is out."""
    first = timezone.now().astimezone(BERLIN).date() + timedelta(days=3)
    last = first + timedelta(days=1)
    for title, starts_at in [
        ("the minute before", _local(first - timedelta(days=1), 23, 59, BERLIN)),
        ("the first minute", _local(first, 0, 0, BERLIN)),
        ("the last minute", _local(last, 23, 59, BERLIN)),
        ("the minute after", _local(last + timedelta(days=1), 0, 0, BERLIN)),
    ]:
        make_slot(make_listing(title), starts_at=starts_at)

    found = _found({"date_from": first, "date_to": last, "tz": "Europe/Berlin"})

    assert found == {"the first minute", "the last minute"}


def test_a_range_from_today_leaves_out_a_date_that_has_started(make_listing, make_slot):
    """Today's dates are searched from now on, not from midnight: a date an hour old is not
    bookable, even with From set to its day."""
    now = timezone.now()
    make_slot(make_listing("started an hour ago"), starts_at=now - timedelta(hours=1))
    make_slot(make_listing("starts in an hour"), starts_at=now + timedelta(hours=1))

    found = _found({"date_from": (now - timedelta(hours=1)).date(), "tz": "UTC"})

    assert found == {"starts in an hour"}


def test_a_party_of_the_listings_only_group_size_finds_it(make_listing, make_slot):
    """A listing that takes groups of exactly four (smallest and largest) is found for four."""
    make_slot(make_listing("four at a time", min_group_size=4, max_group_size=4), in_days=3)

    assert _found({"guests": "4"}) == {"four at a time"}
    assert _found({"guests": "3"}) == _found({"guests": "5"}) == set()


def test_a_hits_next_date_is_its_soonest_with_the_seats(make_listing, make_slot):
    listing = make_listing("three dates")
    now = timezone.now()
    two_left = make_slot(listing, starts_at=now + timedelta(days=2), capacity=10, taken=8)
    four_days = make_slot(listing, starts_at=now + timedelta(days=4))
    make_slot(listing, starts_at=now + timedelta(days=6))

    for guests, expected in [(None, two_left), (2, two_left), (3, four_days)]:
        (hit,) = search(SearchQuery(guests=guests)).hits
        assert hit.next_slot is not None
        assert (hit.next_slot.slot_id, hit.next_slot.seats_left) == (
            expected.pk,
            expected.capacity - expected.seats_taken,
        )


def test_a_hold_is_free_seats_from_the_instant_it_expires(make_listing, make_slot):
    """A hold lapses at its expires_at (bookings: `expires_at <= now`), when another guest may
    take its seats: the search shows the date bookable at that instant too."""
    slot = make_slot(make_listing("last two seats"), in_days=3, capacity=2)
    first = User.objects.create(username="first", email="first@example.org")
    hold = bookings.hold_seats(guest=first, slot_id=slot.pk, seats=2, now=timezone.now())
    assert hold.expires_at is not None
    just_before = hold.expires_at - timedelta(microseconds=1)
    assert search(SearchQuery(guests=2), now=just_before).hits == []

    (hit,) = search(SearchQuery(guests=2), now=hold.expires_at).hits

    assert hit.next_slot is not None
    assert (hit.next_slot.slot_id, hit.next_slot.seats_left) == (slot.pk, 2)
    # As the bookings see it: another guest takes the two seats at that instant.
    second = User.objects.create(username="second", email="second@example.org")
    bookings.hold_seats(guest=second, slot_id=slot.pk, seats=2, now=hold.expires_at)


# --- "available this weekend" ---------------------------------------------------------------


def _a_wednesday_ahead() -> datetime:
    """Noon UTC on a Wednesday a week or two ahead: the search's `now`, so that the coming
    weekend is a known one."""
    day = timezone.now().date() + timedelta(days=7)
    day += timedelta(days=(2 - day.weekday()) % 7)
    return datetime.combine(day, time(12), UTC)


def _weekend(query: SearchQuery, now: datetime) -> int:
    counts = {value.value: value.count for value in search(query, now=now).facets["weekend"]}
    return counts.get("available", 0)


def test_this_weekend_is_saturday_and_sunday_in_the_viewers_zone(make_listing, make_slot):
    """Saturday 00:00 to Monday 00:00 Kiritimati time, which is Friday 10:00 to Sunday 10:00
    UTC: each listing has one date, at a bound or a minute inside or outside one."""
    now = _a_wednesday_ahead()
    saturday = now.date() + timedelta(days=3)
    sunday, monday = saturday + timedelta(days=1), saturday + timedelta(days=2)
    dates = {
        "friday": _local(saturday - timedelta(days=1), 23, 59, KIRITIMATI),
        "saturday": _local(saturday, 0, 0, KIRITIMATI),
        "sunday": _local(sunday, 23, 59, KIRITIMATI),
        "monday": _local(monday, 0, 0, KIRITIMATI),
    }
    for word, starts_at in dates.items():
        make_slot(make_listing(f"walk on {word}"), starts_at=starts_at)

    counted = {
        word
        for word in dates
        if _weekend(SearchQuery(text=word, time_zone="Pacific/Kiritimati"), now)
    }

    assert counted == {"saturday", "sunday"}


def test_this_weekend_counts_a_date_only_with_seats_for_the_party(make_listing, make_slot):
    """Each listing is a hit (a weekday date with room for anyone): it counts for the weekend
    only if its weekend date takes the party, which is at least its smallest group."""
    now = _a_wednesday_ahead()
    saturday_noon = datetime.combine(now.date() + timedelta(days=3), time(12), UTC)
    for word, fields, left in [
        ("pair", {}, 2),
        ("solo", {}, 1),
        ("quartet", {"min_group_size": 4}, 2),  # two left, groups of four at least
    ]:
        listing = make_listing(f"{word} walk", **fields)
        make_slot(listing, starts_at=now + timedelta(days=1))
        make_slot(listing, starts_at=saturday_noon, capacity=10, taken=10 - left)

    def counted(guests: int | None) -> set[str]:
        return {
            word
            for word in ("pair", "solo", "quartet")
            if _weekend(SearchQuery(text=word, guests=guests), now)
        }

    assert counted(None) == {"pair", "solo"}
    assert counted(2) == {"pair"}
