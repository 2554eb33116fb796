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

# Session 17 read the host's user with the locked listing (11 and 10); session 18 reads them
# once it is locked, one query more: the JOIN made a listing given to another host meanwhile
# answer NotFound (test_races_session18_decision.py). Since session 18 the service asks for the
# permission to review (REVIEW_AS_STAFF): the first decision reads the staff member's permissions
# (theirs and their groups', two queries), kept on the user for the next (rejecting, here).
APPROVE_QUERIES = 14
REJECT_QUERIES = 11


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_decision_reads_the_host_to_tell_once_the_listing_is_locked(staff, decision):
    listing = submitted()

    with CaptureQueriesContext(connection) as captured:
        if decision == "approve":
            services.approve_listing(staff=staff, listing_id=listing.pk)
        else:
            services.reject_listing(staff=staff, listing_id=listing.pk, reason="Add a photo.")

    statements = [q["sql"] for q in captured.captured_queries]
    [locking] = [sql for sql in statements if "FOR NO KEY UPDATE" in sql]
    assert " JOIN " not in locking  # the listing alone: a changed row cannot drop out
    after = statements[statements.index(locking) + 1 :]
    [host] = [sql for sql in after if sql.startswith('SELECT "accounts_hostprofile"')]
    assert 'INNER JOIN "accounts_user"' in host
    assert not [sql for sql in statements if sql.startswith('SELECT "accounts_user"')]


def test_approving_and_rejecting_cost_what_they_cost(staff, django_assert_num_queries):
    approved, rejected = submitted(), submitted()

    with django_assert_num_queries(APPROVE_QUERIES):
        services.approve_listing(staff=staff, listing_id=approved.pk)
    with django_assert_num_queries(REJECT_QUERIES):
        services.reject_listing(staff=staff, listing_id=rejected.pk, reason="Add a photo.")
