"""Model instances from hand-written SQL, loaded as the ORM loads them, for the few hot paths where
building a queryset's SQL costs more than running it.

A one-row `Model.objects.select_related(...).filter(...).first()` spends 0.3-1 ms of CPU compiling
its statement on every call (joins, select list, ORDER BY); the same statement written once costs
nothing to build (docs/benchmarks.md, "Bookings"). `Columns` writes the select list of a model
under a table alias once, at import, and turns the matching part of a row back into an instance
with the field converters the ORM would apply; `attach` links a loaded related object the way
`select_related` does, so that `slot.listing` reads it without a query; `Insert` saves a new row
without compiling its INSERT.

    SLOT, LISTING = Columns(Slot, "s"), Columns(Listing, "l", only=("title", "host"))
    SQL = f"SELECT {SLOT.sql}, {LISTING.sql} FROM {SLOT.table} s JOIN {LISTING.table} l ..."
    slot, listing = SLOT.load(row), LISTING.load(row, SLOT.width)
    attach(slot, "listing", listing)

Everywhere else, use the ORM.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models


class Columns[M: models.Model]:
    """The concrete columns of `model` (or only the named fields, the primary key always
    included; the others load on access, as with `.only()`) as a select list under `alias`."""

    def __init__(self, model: type[M], alias: str, *, only: Sequence[str] | None = None) -> None:
        meta = model._meta
        fields = [
            field
            for field in meta.concrete_fields
            if only is None or field.primary_key or field.name in only or field.attname in only
        ]
        if only is not None:
            unknown = set(only) - {name for field in fields for name in (field.name, field.attname)}
            if unknown:
                raise ValueError(f"{model.__name__} has no concrete field {sorted(unknown)}")
        quote = connection.ops.quote_name
        self.model = model
        self.table = quote(meta.db_table)
        self.sql = ", ".join(f"{alias}.{quote(str(field.column))}" for field in fields)
        self.width = len(fields)
        self._attnames = [field.attname for field in fields]
        self._converters: list[tuple[int, Callable[..., Any]]] = [
            (index, field.from_db_value)
            for index, field in enumerate(fields)
            if hasattr(field, "from_db_value")
        ]

    def load(self, row: Sequence[Any], start: int = 0) -> M:
        """The instance held by row[start:start + width], as loaded from the database."""
        values = list(row[start : start + self.width])
        for index, convert in self._converters:
            values[index] = convert(values[index], None, connection)
        return self.model.from_db(connection.alias, self._attnames, values)


class Insert[M: models.Model]:
    """The INSERT that `instance.save()` sends for a new row of `model`, written once: every
    concrete column but an automatic primary key, the values prepared by the fields themselves
    (`pre_save`, `get_db_prep_save`, as the ORM does), the new key read back. Sends no model
    signals (the project connects none)."""

    def __init__(self, model: type[M]) -> None:
        meta = model._meta
        quote = connection.ops.quote_name
        pk = meta.pk
        assert pk is not None
        self._fields = [field for field in meta.concrete_fields if field is not pk]
        columns = ", ".join(quote(str(field.column)) for field in self._fields)
        places = ", ".join(["%s"] * len(self._fields))
        self._pk = pk.attname
        self.sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({places})"  # noqa: S608 - names from the model
            f" RETURNING {quote(str(pk.column))}"
        )

    def __call__(self, instance: M) -> M:
        """Save the new `instance`; returns it with its primary key set."""
        values = [
            field.get_db_prep_save(field.pre_save(instance, True), connection)
            for field in self._fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, values)
            row = cursor.fetchone()
        assert row is not None
        setattr(instance, self._pk, row[0])
        instance._state.adding = False
        instance._state.db = connection.alias
        return instance


def attach(instance: models.Model, name: str, related: models.Model) -> None:
    """Make the loaded `related` object the value of `instance`'s foreign key `name`, without a
    query and without the checks of assignment (what select_related does)."""
    field = instance._meta.get_field(name)
    assert isinstance(field, models.ForeignKey)
    field.set_cached_value(instance, related)
