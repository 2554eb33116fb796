"""Schema operations that migrations share."""

from typing import Any

from django.db import migrations
from django.db.models import Field


def drop_foreign_key_index(
    model_name: str,
    name: str,
    field: "Field[Any, Any]",
    *,
    table: str,
    column: str,
    index: str,
) -> migrations.SeparateDatabaseAndState:
    """The foreign key `name` of `model_name` loses its own index (`field` has db_index=False)
    because an index or unique constraint of the model leads with its column and serves its
    lookups and the deletes that cascade to it. Django's AlterField would also drop and re-add
    the foreign key constraint, validating every row again under a lock: here only the index
    `index` goes (and comes back on reversal)."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index}"',
                reverse_sql=f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("{column}")',
            )
        ],
    )
