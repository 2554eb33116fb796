""" "Available this weekend" counts the results bookable this weekend within the dates searched
(docs/search.md, "Facets"): it counted the coming weekend whatever dates the search asked, so a
search of a later week said "3 available this weekend" of dates it did not ask about."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from outings.search.engine import search
from outings.search.query import SearchQuery

pytestmark = pytest.mark.django_db


def _a_wednesday() -> date:
    """A Wednesday a week or two ahead: its weekend is the Saturday and Sunday after it."""
    day = timezone.now().date() + timedelta(days=7)
    return day + timedelta(days=(2 - day.weekday()) % 7)


def _at_noon(day: date) -> datetime:
    return datetime.combine(day, time(12), UTC)


def _weekend_count(now: datetime, **dates: Any) -> tuple[list[str], int]:
    page = search(SearchQuery(text="harbour", **dates), now=now)
    weekend = {value.value: value.count for value in page.facets["weekend"]}
    return sorted(hit.title for hit in page.hits), weekend["available"]


@pytest.fixture
def week(make_listing: Any, make_slot: Any) -> date:
    """Wednesday (the search's day), and three harbour walks: one bookable on Thursday and on
    Sunday, one on Saturday, one only three weeks later."""
    wednesday = _a_wednesday()
    thursday_and_sunday = make_listing("harbour walk thursday and sunday")
    make_slot(thursday_and_sunday, starts_at=_at_noon(wednesday + timedelta(days=1)))
    make_slot(thursday_and_sunday, starts_at=_at_noon(wednesday + timedelta(days=4)))
    saturday = make_listing("harbour walk saturday")
    make_slot(saturday, starts_at=_at_noon(wednesday + timedelta(days=3)))
    make_slot(saturday, starts_at=_at_noon(wednesday + timedelta(days=21)))
    later = make_listing("harbour walk later")
    make_slot(later, starts_at=_at_noon(wednesday + timedelta(days=21)))
    return wednesday


def test_dates_after_this_weekend_count_none_available_this_weekend(week: date) -> None:
    later = week + timedelta(days=21)

    found = _weekend_count(_at_noon(week) - timedelta(hours=3), date_from=later, date_to=later)

    # Both are bookable on the day asked; one of them this weekend too, which was not asked.
    assert found == (["harbour walk later", "harbour walk saturday"], 0)


def test_dates_ending_on_saturday_count_the_saturday_alone(week: date) -> None:
    saturday = week + timedelta(days=3)

    found = _weekend_count(_at_noon(week) - timedelta(hours=3), date_from=week, date_to=saturday)

    # The Thursday walk is a result; its Sunday is this weekend but after the dates asked.
    assert found == (["harbour walk saturday", "harbour walk thursday and sunday"], 1)


def test_dates_from_sunday_count_the_sunday_alone(week: date) -> None:
    sunday = week + timedelta(days=4)

    found = _weekend_count(_at_noon(week) - timedelta(hours=3), date_from=sunday)

    assert found == (
        ["harbour walk later", "harbour walk saturday", "harbour walk thursday and sunday"],
        1,
    )


def test_without_dates_the_whole_coming_weekend_counts(week: date) -> None:
    found = _weekend_count(_at_noon(week) - timedelta(hours=3))

    assert found == (
        ["harbour walk later", "harbour walk saturday", "harbour walk thursday and sunday"],
        2,
    )
