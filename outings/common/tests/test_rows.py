"""Model instances from hand-written SQL load as the ORM loads them."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory
from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.common.rows import Columns, Insert, attach
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db

SLOT = Columns(Slot, "s")
LISTING = Columns(Listing, "l", only=("title", "tags", "host"))
JOINED = f"""
    SELECT {SLOT.sql}, {LISTING.sql} FROM {SLOT.table} s JOIN {LISTING.table} l
    ON l.id = s.listing_id WHERE s.id = %s
"""  # noqa: S608 - tables and columns from the models


def fields_of(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_a_row_loads_as_the_orm_loads_it_converters_included() -> None:
    outbox.enqueue(kind="bookings.expire", payload={"nested": [1, "two"], "n": None})
    message = OutboxMessage.objects.get()
    columns = Columns(OutboxMessage, "m")

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.sql} FROM {columns.table} m")  # noqa: S608
        loaded = columns.load(cursor.fetchone())

    assert fields_of(loaded) == fields_of(message)
    assert loaded.payload == {"nested": [1, "two"], "n": None}  # JSON, not its text
    assert (loaded._state.adding, loaded._state.db) == (False, "default")


def test_joined_rows_attach_without_queries_and_the_rest_loads_on_access() -> None:
    slot = SlotFactory.create(listing__tags=["harbour", "dawn"])
    with connection.cursor() as cursor:
        cursor.execute(JOINED, [slot.pk])
        row = cursor.fetchone()

    loaded, listing = SLOT.load(row), LISTING.load(row, SLOT.width)
    attach(loaded, "listing", listing)

    assert fields_of(loaded) == fields_of(Slot.objects.get(pk=slot.pk))
    with CaptureQueriesContext(connection) as queries:
        assert loaded.listing is listing
        assert (listing.title, listing.tags) == (slot.listing.title, ["harbour", "dawn"])
    assert len(queries) == 0
    assert listing.get_deferred_fields() >= {"description", "status"}
    with CaptureQueriesContext(connection) as queries:
        assert listing.status == slot.listing.status  # deferred: one query, as with .only()
    assert len(queries) == 1


def test_only_names_fields_the_model_has() -> None:
    with pytest.raises(ValueError, match="no concrete field"):
        Columns(Listing, "l", only=("title", "nonsense"))


def test_an_insert_saves_what_save_would_and_reads_the_key_back() -> None:
    slot = SlotFactory.create()
    later = slot.ends_at + timedelta(hours=1)
    copy = Slot(
        listing=slot.listing, starts_at=later, ends_at=later + timedelta(hours=2), capacity=4
    )

    saved = Insert(Slot)(copy)

    assert saved is copy
    assert (copy._state.adding, copy.pk is not None) == (False, True)
    assert fields_of(Slot.objects.get(pk=copy.pk)) == fields_of(copy)
    assert copy.status == Slot.Status.OPEN  # the field's default, as save() writes it


def test_an_insert_that_breaks_a_constraint_raises_djangos_error() -> None:
    slot = SlotFactory.create()
    twin = Slot(listing=slot.listing, starts_at=slot.starts_at, ends_at=slot.ends_at, capacity=4)

    with pytest.raises(IntegrityError), transaction.atomic():
        Insert(Slot)(twin)
