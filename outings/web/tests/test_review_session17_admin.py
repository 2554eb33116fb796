"""Review (session 17): a big table's changelist filtered on a column no index leads with counted
every match exactly, which reads every row: open dates, ~0.4-0.6 s over 3 million slots;
confirmed bookings or pending outbox messages the same over millions. Filtered (or searched), a
changelist now counts at most `EstimatedCountPaginator.exact_below` matches (a LIMIT inside the
count) and past that takes PostgreSQL's estimate of them; and none counts its whole table for
"N total" (`show_full_result_count`)."""

from urllib.parse import parse_qsl

import pytest
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext

from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.common.bigtables import EstimatedCountPaginator
from outings.common.models import OutboxMessage
from outings.scheduling.models import Slot
from outings.web.tests.test_admin_queries import changelist, rows, staff_client
from outings.web.tests.test_review_session15_admin import analyse, statements

__all__ = ["staff_client"]  # a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("categories", "nudges")]

# A filter on a column no index leads with, on each big table staff filter most.
FILTERED = [
    (Slot, "status__exact=open"),
    (Booking, "status__exact=confirmed"),
    (OutboxMessage, "status__exact=pending"),
    (Listing, "kind__exact=experience"),
]


def counts(model: type[Model], sql: list[str]) -> list[str]:
    table = f'"{model._meta.db_table}"'
    return [s for s in sql if table in s and "COUNT(" in s]


def matching(model: type[Model], query: str) -> int:
    return model._default_manager.filter(**dict(parse_qsl(query))).count()


@pytest.mark.parametrize(("model", "query"), FILTERED, ids=lambda p: getattr(p, "__name__", p))
def test_a_filtered_big_table_counts_a_bounded_number_of_matches_and_never_the_whole_table(
    staff_client: Client, model: type[Model], query: str
) -> None:
    rows(2)

    response, sql = statements(staff_client, f"{changelist(model)}?{query}")

    counted = counts(model, sql)
    assert counted, sql
    assert [s for s in counted if " WHERE " not in s] == []  # no "N total"
    assert [s for s in counted if " LIMIT " not in s] == []  # at most exact_below matches
    assert response.context["cl"].result_count == matching(model, query) > 0  # type: ignore[attr-defined]
    assert response.context["cl"].full_result_count is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(("model", "query"), FILTERED, ids=lambda p: getattr(p, "__name__", p))
def test_past_the_bound_a_filtered_big_table_shows_postgresqls_estimate_of_its_matches(
    staff_client: Client, monkeypatch: pytest.MonkeyPatch, model: type[Model], query: str
) -> None:
    rows(3)
    analyse(model)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 2)

    response, sql = statements(staff_client, f"{changelist(model)}?{query}")

    counted = counts(model, sql)
    assert len(counted) == 1, sql
    assert " LIMIT 2" in counted[0]
    assert [s for s in sql if s.startswith("EXPLAIN")], sql
    # Freshly analysed, the planner's estimate is the number of matches.
    assert response.context["cl"].result_count == matching(model, query) > 2  # type: ignore[attr-defined]


def test_the_paginator_bounds_the_count_of_a_filtered_list_without_sorting_it() -> None:
    """The count does not sort the matches: ordered by a column no index serves, the LIMIT
    inside the count would come after sorting every one of them."""
    OutboxMessage.objects.bulk_create(
        OutboxMessage(kind="k", queue="default", attempts=n) for n in range(5)
    )
    filtered = OutboxMessage.objects.filter(kind="k").order_by("-attempts")
    below = EstimatedCountPaginator(filtered, 2)
    below.exact_below = 10
    past = EstimatedCountPaginator(filtered, 2)
    past.exact_below = 3

    with CaptureQueriesContext(connection) as captured:
        assert (below.count, past.count >= 3) == (5, True)

    sql = [query["sql"] for query in captured.captured_queries]
    assert [s for s in sql if "COUNT(" in s and ("ORDER BY" in s or " LIMIT " not in s)] == []
    assert [m.attempts for m in past.page(1)] == [4, 3]
