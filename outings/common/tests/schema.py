"""What an index of the test database holds, for tests that a query's columns ride in one (so
that PostgreSQL can answer it by an index-only scan, whatever the planner picks on a test
database of a few rows)."""

import re

from django.db import connection


def index_columns(index: str) -> tuple[set[str], str]:
    """The columns `index` holds (key and INCLUDE) and its predicate ('' for a whole table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT array_agg(a.attname::text), coalesce(pg_get_expr(i.indpred, i.indrelid), '')
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
               WHERE c.relname = %s
               GROUP BY i.indpred, i.indrelid""",
            [index],
        )
        [(columns, predicate)] = cursor.fetchall()
    return set(columns), predicate


def columns_read(sql: str, alias: str) -> set[str]:
    """The columns `sql` reads through the table alias `alias` (`l.id` -> id for "l")."""
    return set(re.findall(rf"\b{re.escape(alias)}\.(\w+)", sql))
