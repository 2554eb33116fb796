"""Review (session 23): most_viewed_listings turns JIT off for its statement (a server built
with LLVM compiled it for longer than it ran) with SET LOCAL in an atomic block; inside a
surrounding transaction that block is a savepoint, and a released savepoint keeps what SET
LOCAL set until the surrounding transaction ends, so every later statement of that
transaction ran without JIT. The setting now ends with the statement."""

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.db import connection, transaction

from outings.catalog.tests.factories import ListingFactory
from outings.stats.models import ListingDay
from outings.stats.selectors import most_viewed_listings
from outings.web.warming import POPULAR_DAYS

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def viewed() -> int:
    listing = ListingFactory.create(time_zone="Europe/Berlin")
    ListingDay.objects.create(listing=listing, day=date(2026, 3, 9), views=3)
    return int(listing.pk)


def _jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        (value,) = cursor.fetchone()
    return str(value)


def test_jit_is_as_it_was_after_the_statement_in_a_surrounding_transaction(viewed: int) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = on")

        assert most_viewed_listings(now=NOW, days=POPULAR_DAYS, limit=10) == [viewed]

        assert _jit() == "on"


def test_the_statement_itself_runs_without_jit(viewed: int) -> None:
    seen: list[str] = []

    def look(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "stats_listingday" in sql:
            # The connection's own cursor: not through this wrapper again.
            row = connection.connection.execute("SELECT current_setting('jit')").fetchone()
            seen.append(row[0])
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = on")
        with connection.execute_wrapper(look):
            popular = most_viewed_listings(now=NOW, days=POPULAR_DAYS, limit=10)

    assert popular == [viewed]
    assert seen == ["off"]
