"""The schema that the migrations build, checked in PostgreSQL's catalogue."""

import pytest
from django.db import connection

from outings.common.tests.schema import columns_read, index_columns

pytestmark = pytest.mark.django_db

# Plain btree indexes on one column that another index of the same table leads with: the
# longer index serves every lookup of the shorter one, which only costs writes and space.
# (Django adds one to every ForeignKey unless db_index=False.)
REDUNDANT_INDEXES = """
    SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
    FROM pg_index a
    JOIN pg_class ac ON ac.oid = a.indexrelid JOIN pg_am aam ON aam.oid = ac.relam
    JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
    JOIN pg_class bc ON bc.oid = b.indexrelid JOIN pg_am bam ON bam.oid = bc.relam
    JOIN pg_class t ON t.oid = a.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND aam.amname = 'btree' AND bam.amname = 'btree'
      AND a.indnatts = 1 AND b.indnatts > 1 AND a.indkey[0] = b.indkey[0]
      AND NOT a.indisunique AND a.indpred IS NULL AND b.indpred IS NULL
      AND a.indexprs IS NULL AND b.indexprs IS NULL
      AND t.relname NOT LIKE 'auth\\_%%' AND t.relname NOT LIKE 'account\\_%%'
      AND t.relname NOT IN ('accounts_user_groups', 'accounts_user_user_permissions')
    ORDER BY 1
"""


def test_no_index_of_ours_is_led_by_another_of_its_table():
    with connection.cursor() as cursor:
        cursor.execute(REDUNDANT_INDEXES)
        redundant = cursor.fetchall()

    assert redundant == []


def test_a_bookable_slot_probe_reads_the_slot_index_alone():
    """Explore tests a slot of each matching listing (search.sql.BOOKABLE_SLOT); the columns it
    reads ride in slot_unique_start, so a probe never visits the table. A column added to the
    test and not to the index would make every probe a heap visit again. Checked on the columns
    rather than on a plan: on a test database of a few rows the planner's choice depends on
    which tests ran before (an index on starts_at alone served an empty table as well)."""
    from outings.search import sql as S

    held, predicate = index_columns("slot_unique_start")

    assert predicate == ""
    assert columns_read(S.BOOKABLE_SLOT, "s") - held == set()
    assert {"listing_id", "starts_at", "status", "capacity", "seats_taken"} <= held
