"""Writing many rows through COPY: what bulk_create and bulk_update do, several times faster.

bulk_create sends one INSERT with a placeholder per value (30,000 for 1,000 listings) that
psycopg rewrites and binds on the client; for models with ArrayFields Django cannot use its faster
UNNEST form. bulk_update sends, for every field, a CASE with a WHEN per row: Django spent most
of a re-import building those expressions, and PostgreSQL tried each row against every WHEN (a
re-import's updates ran at ~80 rows/s, docs/data-import.md). Here the rows are streamed with
COPY into a temporary table and moved with one INSERT … SELECT (which can still say ON CONFLICT
DO NOTHING and RETURNING) or one UPDATE … FROM: the same statement whatever the number of rows.
Values are prepared by the model fields themselves (get_db_prep_save; pre_save too for an
insert), exactly as bulk_create and bulk_update prepare them.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field, Model

STAGING = "import_staging"


def copy_insert(
    objs: Sequence[Model],
    *,
    ignore_conflicts: bool = False,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert unsaved instances of one model; return the `returning` columns of each inserted
    row (in no particular order). Rows that conflict are dropped when `ignore_conflicts`. A
    refusal by the database raises django.db.DatabaseError, as bulk_create's would."""
    if not objs:
        return []
    meta = objs[0]._meta
    fields: list[Field[Any, Any]] = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    insert = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {STAGING}"  # noqa: S608
    if ignore_conflicts:
        insert += " ON CONFLICT DO NOTHING"
    if returning:
        insert += " RETURNING " + ", ".join(quote(name) for name in returning)
    db = connections[DEFAULT_DB_ALIAS]  # the real connection, not the per-call proxy
    # psycopg's own cursor raises psycopg's errors: wrap_database_errors turns them into
    # Django's (DataError, IntegrityError, ... all DatabaseError), as Django's cursor would.
    with transaction.atomic(), connection.cursor() as cursor, db.wrap_database_errors:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        prepare = [(f.pre_save, f.get_db_prep_save) for f in fields]
        _stage(
            raw,
            table,
            columns,
            ([to_db(value_of(obj, True), db) for value_of, to_db in prepare] for obj in objs),
        )
        raw.execute(insert)
        rows = raw.fetchall() if returning else []
        raw.execute(f"DROP TABLE {STAGING}")
    return rows


def copy_update(objs: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` (names or attnames) of saved instances of one model, each to the row of
    its primary key, in one UPDATE; return how many rows it wrote. As bulk_update, pre_save is
    not called: an auto_now field is written as the instance holds it. Rows are written in the
    order PostgreSQL chooses: lock them first (in a fixed order) if others may write them."""
    if not objs:
        return 0
    meta = objs[0]._meta
    chosen: list[Field[Any, Any]] = []
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, Field), name  # a column, not a reverse relation
        chosen.append(field)
    pk = meta.pk
    assert pk is not None
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    key = quote(str(pk.column))
    columns = ", ".join(quote(str(f.column)) for f in (pk, *chosen))
    assignments = ", ".join(f"{quote(str(f.column))} = s.{quote(str(f.column))}" for f in chosen)
    update = f"UPDATE {table} SET {assignments} FROM {STAGING} s WHERE {table}.{key} = s.{key}"  # noqa: S608
    db = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic(), connection.cursor() as cursor, db.wrap_database_errors:
        _stage(
            cursor.cursor,
            table,
            columns,
            (
                [f.get_db_prep_save(getattr(obj, f.attname), db) for f in (pk, *chosen)]
                for obj in objs
            ),
        )
        cursor.execute(update)  # through Django's cursor: logged and counted like any query
        written: int = cursor.rowcount
        cursor.execute(f"DROP TABLE {STAGING}")
    return written


def _stage(raw: Any, table: str, columns: str, rows: Iterable[list[Any]]) -> None:
    """A temporary table shaped like `columns` of `table`, holding `rows` (streamed by COPY)."""
    raw.execute(
        f"CREATE TEMPORARY TABLE {STAGING} ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {columns} FROM {table} WITH NO DATA"
    )
    with raw.copy(f"COPY {STAGING} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
