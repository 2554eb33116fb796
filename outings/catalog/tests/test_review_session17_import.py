"""Review (data import, session 17): what a re-import reads, in which order it locks, what the
search document's trigger does for its rows, and what it leaves of archived listings."""

import re
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from outings.catalog.importers.run import SOURCES, SourceReport
from outings.catalog.models import Listing
from outings.catalog.tests.factories import ListingFactory, category
from outings.catalog.tests.test_import import EVENT_HEADER, import_file, write_csv_gz
from outings.catalog.tests.test_review_session15_import import rows
from outings.scheduling.models import Schedule, Slot

pytestmark = pytest.mark.django_db

Status = Listing.Status
SENTINEL = "'sentinel'"  # a document no trigger writes: it stays only if nothing rebuilt it


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = 28


def events(n: int) -> list[dict[str, str]]:
    """n Toronto events, two hours long, at 19:00 in Toronto: "Jazz 0", "Jazz 1" ..."""
    return [event for event in rows(n, title="Jazz") if isinstance(event, dict)]


def write(tmp_path: Path, rows: Sequence[dict[str, str]]) -> None:
    write_csv_gz(tmp_path / SOURCES["toronto"].filename, EVENT_HEADER, list(rows))


def at(hour: int, event: dict[str, str]) -> dict[str, str]:
    """`event` starting at `hour` UTC on its day, two hours long."""
    start = datetime(2025, 6, 4, hour, tzinfo=UTC)
    stamp = "%Y-%m-%dT%H:%M:%S.000Z"
    return {
        **event,
        "start": start.strftime(stamp),
        "end": (start + timedelta(hours=2)).strftime(stamp),
    }


def document(listing_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text FROM catalog_listing WHERE id = %s", [listing_id]
        )
        return str(cursor.fetchone()[0])


def set_sentinel(listing_id: int) -> None:
    """Write the document alone: the trigger follows the columns it reads, not this one."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE catalog_listing SET search_vector = {SENTINEL}::tsvector WHERE id = %s",  # noqa: S608
            [listing_id],
        )
    assert document(listing_id) == SENTINEL


# --- 2: the re-import reads each listing's status once ----------------------------------------


REIMPORT_QUERIES = 17  # 18 when the schedules asked again which listings were archived


def test_a_changed_row_costs_no_query_for_its_listings_status(tmp_path):
    first, second = events(2)
    write(tmp_path, [first, second])
    import_file(tmp_path, "toronto")
    write(tmp_path, [{**first, "title": "Jazz at dusk"}, second])

    with CaptureQueriesContext(connection) as captured:
        report = import_file(tmp_path, "toronto")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    archived_reads = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and "= 'archived'" in q["sql"] and "NOT (" not in q["sql"]
    ]
    assert archived_reads == []
    assert len(captured.captured_queries) == REIMPORT_QUERIES


# --- 3: every listing the batch writes is locked before any of their dates ---------------------


def test_a_batch_locks_the_listings_it_brings_back_before_any_dates(tmp_path):
    moved, back = events(2)
    write(tmp_path, [moved, back])
    import_file(tmp_path, "toronto")
    write(tmp_path, [moved])
    report = import_file(tmp_path, "toronto")
    assert report.withdrawn == 1
    withdrawn = Listing.objects.get(source_id="evt1")
    assert (withdrawn.status, withdrawn.withdrawn_at is not None) == (Status.PAUSED, True)
    ids = list(Listing.objects.values_list("pk", flat=True))

    # The next file moves the first listing's times (its dates are re-synced under their locks)
    # and brings the withdrawn one back (published again under its listing's lock).
    write(tmp_path, [at(21, moved), back])
    with CaptureQueriesContext(connection) as captured:
        report = import_file(tmp_path, "toronto")

    assert report.restored == 1
    statements = [q["sql"] for q in captured.captured_queries]
    listing_locks = [
        i
        for i, sql in enumerate(statements)
        if 'FROM "catalog_listing"' in sql and "FOR NO KEY UPDATE" in sql
    ]
    slot_locks = [
        i
        for i, sql in enumerate(statements)
        if 'FROM "scheduling_slot"' in sql and "FOR UPDATE" in sql
    ]
    assert listing_locks
    assert slot_locks
    assert max(listing_locks) < min(slot_locks)
    first = statements[listing_locks[0]]  # both, in one statement, in id order
    assert re.search(rf"IN \({min(ids)}, {max(ids)}\)", first), first
    assert Listing.objects.get(source_id="evt1").status == Status.PUBLISHED
    assert Schedule.objects.get(listing__source_id="evt0").start_times == [time(17)]


# --- 4: the search document is rebuilt when its text changes, and only then -------------------


def test_a_reimported_row_whose_text_is_unchanged_leaves_the_document_alone(tmp_path):
    [event] = events(1)
    write(tmp_path, [event])
    import_file(tmp_path, "toronto")
    listing = Listing.objects.get()
    set_sentinel(listing.pk)

    write(tmp_path, [{**event, "price_amount": "42.00"}])
    report = import_file(tmp_path, "toronto")

    assert report.updated == 1
    listing.refresh_from_db()
    assert (listing.price_amount, listing.version) == (4200, 2)
    assert document(listing.pk) == SENTINEL  # the UPDATE set the title to itself: no rebuild


def test_saving_a_listing_whose_text_is_unchanged_leaves_the_document_alone():
    set_sentinel(ListingFactory.create().pk)
    listing = Listing.objects.get()  # as the admin reads the one it saves

    listing.price_amount = 3000
    listing.save()  # every column, the text ones and the document as they were

    assert document(listing.pk) == SENTINEL


def test_a_save_never_writes_a_document_of_its_own():
    """A full save writes every column, the document too: one held by an instance made before
    the trigger wrote it (None) or read before an edit is rebuilt, never stored."""
    listing = ListingFactory.create(title="Kayak trip")
    assert listing.search_vector is None  # the instance never read what the trigger wrote

    listing.price_amount = 3000
    listing.save()

    assert "'kayak'" in document(listing.pk)


@pytest.mark.parametrize(
    ("column", "value", "word"),
    [
        ("title", "Kayak trip", "kayak"),
        ("summary", "Paddle to the islands.", "paddl"),
        ("description", "We paddle to the islands.", "paddl"),
        ("tags", ["zanzibar"], "zanzibar"),
        ("city", "Oshawa", "oshawa"),
        ("category", "food", "food"),
        ("content_language", "de", None),
    ],
)
def test_an_edit_of_its_text_rebuilds_the_document_in_the_same_transaction(column, value, word):
    listing = ListingFactory.create(category=category("tours"))

    with transaction.atomic():
        set_sentinel(listing.pk)
        new = category(value) if column == "category" else value
        Listing.objects.filter(pk=listing.pk).update(**{column: new})
        rebuilt = document(listing.pk)

    assert rebuilt != SENTINEL
    if word is not None:
        assert f"'{word}'" in rebuilt


# --- 5: an archived listing is final, for the importer too ------------------------------------


def test_an_archived_listing_is_not_updated_from_the_source(tmp_path):
    both = events(2)
    write(tmp_path, both)
    import_file(tmp_path, "toronto")
    archived = Listing.objects.get(source_id="evt0")
    Slot.objects.filter(listing=archived).delete()
    Listing.objects.filter(pk=archived.pk).update(status=Status.ARCHIVED)
    before = Listing.objects.values().get(pk=archived.pk)

    write(tmp_path, [{**event, "title": f"{event['title']} (new)"} for event in both])
    report: SourceReport = import_file(tmp_path, "toronto")

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert report.notes["archived, not updated"] == 1
    assert Listing.objects.values().get(pk=archived.pk) == before  # title, version, all of it
    assert Listing.objects.get(source_id="evt1").title == "Jazz 1 (new)"


def test_a_withdrawn_listing_keeps_getting_dates_for_its_return(tmp_path):
    """As docs/data-import.md says, and as the periodic run gives every paused listing."""
    kept, gone = events(2)
    write(tmp_path, [kept, gone])
    import_file(tmp_path, "toronto")
    write(tmp_path, [kept])
    assert import_file(tmp_path, "toronto").withdrawn == 1
    withdrawn = Listing.objects.get(source_id="evt1", status=Status.PAUSED)
    Slot.objects.filter(listing=withdrawn).delete()

    report = import_file(tmp_path, "toronto")

    assert report.slots_created == Slot.objects.filter(listing=withdrawn).count() > 0
