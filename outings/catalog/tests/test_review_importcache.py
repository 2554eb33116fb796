"""Review (data import): re-running the import over rows that changed, surprising values in a
row, and event times across a daylight-saving change. Files are tiny gzip CSVs written by the
helpers of test_import.py; the import runs through the same entry point the command uses."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from outings.catalog.importers.run import SOURCES, ImportAborted
from outings.catalog.models import Listing
from outings.catalog.tests.factories import UserFactory
from outings.catalog.tests.test_import import (
    EVENT_HEADER,
    TODAY,
    import_file,
    toronto_row,
    write_csv_gz,
)
from outings.web.tests.test_admin import listing_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = 28


def test_a_changed_description_shows_on_the_listing_page_after_staff_once_saved_it(
    tmp_path: Path,
) -> None:
    """Once staff have saved an imported listing in the admin (any change: here the title),
    `description_html` holds the Markdown rendering of the description of that day
    (outings/catalog/admin.py:184), and the listing page shows description_html whenever it is
    set (templates/web/listing_detail.html:26). When the source row's description later changes,
    the importer rewrites `description` but not `description_html` (CONTENT_FIELDS /
    UPDATE_FIELDS in outings/catalog/importers/writer.py:28-35), so the page keeps showing the
    old text for ever, while search, the summary and the API carry the new one."""
    path = tmp_path / SOURCES["toronto"].filename
    row = toronto_row(description="An evening of jazz by the lake. Bring a chair.")
    write_csv_gz(path, EVENT_HEADER, [row])
    import_file(tmp_path, "toronto")
    listing = Listing.objects.get(source="toronto", source_id="evt1")

    staff = Client()
    staff.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    saved = staff.post(
        reverse("admin:catalog_listing_change", args=[listing.pk]),
        listing_form(listing, title="Jazz on the Harbour (summer series)"),
    )
    assert saved.status_code == 302

    row["description"] = "Moved indoors to the Brigantine Room. Doors open at 6:30."
    write_csv_gz(path, EVENT_HEADER, [row])
    report = import_file(tmp_path, "toronto")
    assert report.updated == 1

    listing.refresh_from_db()
    assert listing.description.startswith("Moved indoors")  # what the import wrote
    page = Client().get(listing.get_absolute_url()).content.decode()
    shown = re.search(r'<div class="prose"[^>]*>(.*?)</div>', page, re.DOTALL)
    assert shown is not None
    assert "Moved indoors to the Brigantine Room" in shown.group(1), (
        f"the page shows the description staff saved before the import: {shown.group(1)!r}"
    )


def test_a_row_with_an_overlong_currency_is_skipped_and_the_rest_of_the_batch_is_imported(
    tmp_path: Path,
) -> None:
    """docs/data-import.md: "Bad rows are skipped, never fatal ... malformed prices". The parsers
    take the currency column as it is (`row["currency"].strip().upper() or CURRENCY`,
    outings/catalog/importers/toronto.py:64, madrid.py:94) and never check that it is a
    three-letter ISO code, so a row saying "CAD$" (or "Euro") reaches COPY into the
    varchar(3) column: PostgreSQL refuses the whole batch, import_source raises ImportAborted
    and the command stops, losing the good rows of that batch and every later source."""
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [
            toronto_row(),
            toronto_row(id="tor-t2", source_event_id="evt2", currency="CAD$"),
            toronto_row(id="tor-t3", source_event_id="evt3", title="Still imported"),
        ],
    )
    reasons: list[str] = []

    try:
        report = import_file(tmp_path, "toronto", reasons)
    except (ImportAborted, Exception) as exc:  # noqa: BLE001 - whatever stops the import
        pytest.fail(f"one bad currency stopped the import: {type(exc).__name__}: {exc}")

    assert report.created == 2
    assert set(Listing.objects.values_list("title", flat=True)) == {
        "Jazz on the Harbour",
        "Still imported",
    }
    assert len(reasons) == 1
    assert reasons[0].startswith("tor-t2")


def test_a_sitting_across_the_end_of_daylight_saving_lasts_its_real_length(
    tmp_path: Path,
) -> None:
    """A Toronto event from 00:30 EDT to 02:30 EST on 2025-11-02 (the clocks go back at 02:00
    EDT) lasts three hours. `sitting_minutes` (outings/catalog/importers/dates.py:68) computes
    `end - start` on two datetimes that share one ZoneInfo object, and Python then subtracts the
    wall-clock readings and ignores the change of offset: the listing gets 120 minutes, and its
    slots end an hour before the event does. (In spring the same subtraction adds the hour that
    never was.)"""
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [
            toronto_row(
                start="2025-11-02T04:30:00.000Z",  # 00:30 EDT
                end="2025-11-02T07:30:00.000Z",  # 02:30 EST, three hours later
            )
        ],
    )

    import_file(tmp_path, "toronto")

    listing = Listing.objects.get(source="toronto", source_id="evt1")
    assert "duration_minutes" not in listing.generated_fields
    assert listing.duration_minutes == 180


def test_a_batch_the_database_refuses_stops_the_command_naming_its_rows(tmp_path: Path) -> None:
    """docs/data-import.md: "If the database refuses a batch, the command stops with the rows of
    that batch named; the batches before it are saved". `flush` (outings/catalog/importers/
    run.py:91-98; likewise 139-145 for slots) turns only django.db.DatabaseError into
    ImportAborted, but new listings are written by COPY through psycopg's own cursor
    (outings/catalog/importers/bulk.py:38-47), whose errors are psycopg.Error and never pass
    through Django's error wrapper. So a refused batch (here a source id longer than the
    column's 64 characters, which no parser checks) ends the command with a raw psycopg
    traceback instead of the promised message. Either outcome below is acceptable: the row
    skipped and reported, or a CommandError naming the batch's rows."""
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [toronto_row(), toronto_row(id="tor-t2", source_event_id="e" * 65)],
    )
    out, err = io.StringIO(), io.StringIO()

    try:
        call_command(
            "import_listings", "--source", "toronto", "--data-dir", str(tmp_path),
            "--today", TODAY.isoformat(), stdout=out, stderr=err,
        )  # fmt: skip
    except CommandError as exc:
        message = str(exc)
        assert "tor-t1" in message
        assert "tor-t2" in message
    except Exception as exc:  # noqa: BLE001 - the point is which exception escapes
        pytest.fail(f"the command ended with {type(exc).__module__}.{type(exc).__name__}: {exc}")
    else:
        assert Listing.objects.filter(source_id="evt1").exists()
        assert "tor-t2" in err.getvalue()


def test_a_staff_correction_survives_a_re_import_that_changes_another_field(
    tmp_path: Path,
) -> None:
    """Staff correct an imported listing in the admin (the version goes to 2). When the source
    row later changes in any way (here only its description), the importer compares the row's
    digest with `content_hash`, which no edit touches, and rewrites every content field with
    bulk_update (outings/catalog/importers/writer.py:73-87, UPDATE_FIELDS), setting version to
    the value it read + 1 with no check: the correction is silently reverted, against DESIGN.md
    invariant 5 ("No silent overwrite"). Only the status is protected today."""
    path = tmp_path / SOURCES["toronto"].filename
    row = toronto_row(title="Jazz on the Harbor")
    write_csv_gz(path, EVENT_HEADER, [row])
    import_file(tmp_path, "toronto")
    listing = Listing.objects.get(source="toronto", source_id="evt1")

    staff = Client()
    staff.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    saved = staff.post(
        reverse("admin:catalog_listing_change", args=[listing.pk]),
        listing_form(listing, title="Jazz on the Harbour", address="235 Queens Quay West"),
    )
    assert saved.status_code == 302

    row["description"] = "An evening of jazz by the lake. Bring a chair and a blanket."
    write_csv_gz(path, EVENT_HEADER, [row])
    import_file(tmp_path, "toronto")

    listing.refresh_from_db()
    assert (listing.title, listing.address) == ("Jazz on the Harbour", "235 Queens Quay West")
