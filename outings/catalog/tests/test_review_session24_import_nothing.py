"""Review (operations), session 24: `import_listings` over a file that imports no row at all.
docs/data-import.md: "after a whole file has been read, each published listing of that source
whose row the file no longer imports is withdrawn". A file that reads whole but brings nothing
(an upstream export that came out empty, a header alone; a changed format that every row now
fails) said that every item was gone: the whole source was taken off the site in one run, its
listings paused and their open pages told they are gone. Such a file withdraws nothing, and the
summary says why."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from outings.catalog.importers.run import SOURCES
from outings.catalog.models import Listing
from outings.catalog.tests.test_import import EVENT_HEADER, TODAY, import_file, write_csv_gz
from outings.catalog.tests.test_review_session15_import import rows

pytestmark = pytest.mark.django_db

Status = Listing.Status


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = 28


def _write(tmp_path: Path, events: list[dict[str, str] | bytes]) -> None:
    write_csv_gz(tmp_path / SOURCES["toronto"].filename, EVENT_HEADER, events)


def _import(tmp_path: Path) -> str:
    out = io.StringIO()
    call_command(
        "import_listings", "--source", "toronto", "--data-dir", str(tmp_path),
        "--today", TODAY.isoformat(), "--quiet", stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    return out.getvalue()


def _published() -> list[str]:
    return sorted(
        Listing.objects.filter(status=Status.PUBLISHED, withdrawn_at=None).values_list(
            "source_id", flat=True
        )
    )


@pytest.mark.parametrize(
    "events",
    [
        [],  # the header alone
        [{**event, "title": ""} for event in rows(3, title="Jazz") if isinstance(event, dict)],
    ],
    ids=["header only", "every row skipped"],
)
def test_a_file_that_imports_no_row_withdraws_nothing(tmp_path, events):
    _write(tmp_path, rows(3, title="Jazz"))
    _import(tmp_path)
    assert _published() == ["evt0", "evt1", "evt2"]
    _write(tmp_path, events)

    summary = _import(tmp_path)

    assert _published() == ["evt0", "evt1", "evt2"]
    assert not Listing.objects.filter(status=Status.PAUSED).exists()
    assert "toronto: nothing withdrawn (no row of the file was imported)" in summary


def test_a_file_that_imports_a_row_still_withdraws_the_rest(tmp_path):
    _write(tmp_path, rows(3, title="Jazz"))
    import_file(tmp_path, "toronto")
    _write(tmp_path, rows(1, title="Jazz"))

    report = import_file(tmp_path, "toronto")

    assert (report.withdrawn, report.no_withdrawal) == (2, "")
    assert _published() == ["evt0"]
