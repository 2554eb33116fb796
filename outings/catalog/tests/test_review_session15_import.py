"""Review (data import, session 15): the update path of a re-import at the size of the real
catalogue. A newer file that changes many rows was written at ~65-80 rows/s: bulk_update sends a
CASE WHEN per field and per row, which Django spent most of the run building and PostgreSQL
evaluated against every WHEN of every row. Changed listings now travel by COPY and are written
by one UPDATE whatever their number (docs/data-import.md)."""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext

from outings.catalog.importers.bulk import copy_update
from outings.catalog.importers.run import SOURCES
from outings.catalog.models import Listing
from outings.catalog.tests.factories import HostProfileFactory, ListingFactory
from outings.catalog.tests.test_import import EVENT_HEADER, import_file, toronto_row, write_csv_gz
from outings.scheduling.models import Schedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = 28


def rows(n: int, *, title: str, hour: int = 23) -> list[dict[str, str] | bytes]:
    """n Toronto events of two hours, starting on 4 June 2025 at `hour` UTC."""
    start = datetime(2025, 6, 4, hour, tzinfo=UTC)
    stamp = "%Y-%m-%dT%H:%M:%S.000Z"
    return [
        toronto_row(
            id=f"tor-{i}",
            source_event_id=f"evt{i}",
            title=f"{title} {i}",
            start=start.strftime(stamp),
            end=(start + timedelta(hours=2)).strftime(stamp),
        )
        for i in range(n)
    ]


def update_statements(tmp_path: Path, n: int, *, hour: int = 23) -> list[str]:
    """Import n rows, change them all, import again: the UPDATEs of the second run."""
    path = tmp_path / SOURCES["toronto"].filename
    write_csv_gz(path, EVENT_HEADER, rows(n, title="Jazz"))
    import_file(tmp_path, "toronto")
    write_csv_gz(path, EVENT_HEADER, rows(n, title="Jazz at dusk", hour=hour))
    with CaptureQueriesContext(connection) as captured:
        report = import_file(tmp_path, "toronto")
    assert (report.created, report.updated, report.unchanged) == (0, n, 0)
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]


def test_changed_listings_are_written_by_one_statement_whatever_their_number(tmp_path):
    few = update_statements(tmp_path, 2)
    Listing.objects.all().delete()
    many = update_statements(tmp_path, 6)

    listings = [statement for statement in many if '"catalog_listing"' in statement.split()[1]]
    assert len(listings) == 1
    assert few == many  # the same text: no value or id of a row in it
    titles = sorted(Listing.objects.values_list("title", "version"))
    assert titles == [(f"Jazz at dusk {i}", 2) for i in range(6)]


def test_a_schedule_is_rewritten_only_when_its_rule_changes(tmp_path):
    same_times = update_statements(tmp_path, 3)
    assert not [s for s in same_times if "scheduling_schedule" in s.split()[1]]
    Listing.objects.all().delete()

    new_times = update_statements(tmp_path, 3, hour=21)  # 17:00 in Toronto instead of 19:00

    assert [s for s in new_times if '"scheduling_schedule"' in s.split()[1]]
    assert list(Schedule.objects.values_list("start_times", flat=True)) == [[time(17)]] * 3


def test_copy_update_writes_what_bulk_update_writes():
    host = HostProfileFactory.create()
    ours, theirs = ListingFactory.create_batch(2, host=host)
    when = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    for listing in (ours, theirs):
        listing.title = 'Ünïcode, "quotes"\tand a tab\nand a line'
        listing.tags = ["a b", 'c"d', "é"]
        listing.languages = []
        listing.latitude = None
        listing.duration_minutes = None
        listing.imported_digests = {"title": "ab12", "nested": [1, None]}
        listing.updated_at = when
        listing.version = 7
    fields = ["title", "tags", "languages", "latitude", "duration_minutes", "imported_digests"]
    fields += ["updated_at", "version", "host_id"]

    assert copy_update([ours], fields) == 1
    Listing.objects.bulk_update([theirs], fields)

    written = Listing.objects.values(*fields).get(pk=ours.pk)
    assert written == Listing.objects.values(*fields).get(pk=theirs.pk)
    assert written["updated_at"] == when  # as the instance holds it: no auto_now
    assert written["title"] == 'Ünïcode, "quotes"\tand a tab\nand a line'


def test_copy_update_refused_by_the_database_raises_djangos_error_and_writes_nothing():
    listing = ListingFactory.create(title="Before", currency="EUR")
    listing.title, listing.currency = "After", "CAD$"  # four letters: the column holds three

    with pytest.raises(DataError):  # not psycopg's own: run.py turns it into ImportAborted
        copy_update([listing], ["title", "currency"])

    assert Listing.objects.values_list("title", "currency").get() == ("Before", "EUR")
