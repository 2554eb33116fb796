"""Review (catalog, session 17): what telling a host staff's decision costs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outings.catalog import services
from outings.catalog.tests.test_review_decisions_told import staff, submitted

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]

__all__ = ["staff"]

APPROVE_QUERIES = 11  # 12 when the host's user was read by a query of its own
REJECT_QUERIES = 10  # 11 before


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_reads_the_host_to_tell_with_the_locked_listing(staff, decision):
    listing = submitted()

    with CaptureQueriesContext(connection) as captured:
        if decision == "approve":
            services.approve_listing(staff=staff, listing_id=listing.pk)
        else:
            services.reject_listing(staff=staff, listing_id=listing.pk, reason="Add a photo.")

    statements = [q["sql"] for q in captured.captured_queries]
    [locking] = [sql for sql in statements if "FOR NO KEY UPDATE" in sql]
    assert 'INNER JOIN "accounts_user"' in locking
    assert locking.endswith('FOR NO KEY UPDATE OF "catalog_listing"')  # not the host's rows
    assert not [sql for sql in statements if sql.startswith('SELECT "accounts_user"')]


def test_approving_and_rejecting_cost_one_query_fewer(staff, django_assert_num_queries):
    approved, rejected = submitted(), submitted()

    with django_assert_num_queries(APPROVE_QUERIES):
        services.approve_listing(staff=staff, listing_id=approved.pk)
    with django_assert_num_queries(REJECT_QUERIES):
        services.reject_listing(staff=staff, listing_id=rejected.pk, reason="Add a photo.")
