"""An archived listing gets no new dates from the importer. Archiving is final (docs/hosting.md,
"States") and the periodic run that brings schedules up to the horizon leaves archived listings
alone (scheduling.services.sync.materialize_schedules); the importer's own two paths that add
dates, the daily top-up of demo schedules and the re-sync of a schedule whose times changed in
the source, added them all the same: rows nobody could book or see, growing every day."""

from pathlib import Path

import pytest

from outings.catalog.importers.run import SOURCES
from outings.catalog.models import Listing
from outings.catalog.tests.test_import import EVENT_HEADER, import_file, write_csv_gz
from outings.catalog.tests.test_review_session15_import import rows
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = 28


def imported(tmp_path: Path, *, hour: int = 23) -> tuple[Listing, Listing]:
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename, EVENT_HEADER, rows(2, title="Jazz", hour=hour)
    )
    import_file(tmp_path, "toronto")
    first, second = Listing.objects.order_by("source_id")
    return first, second


def archive(listing: Listing) -> None:
    Slot.objects.filter(listing=listing).delete()
    Listing.objects.filter(pk=listing.pk).update(status=Listing.Status.ARCHIVED)


def test_the_daily_top_up_adds_no_dates_to_an_archived_listing(tmp_path):
    archived, kept = imported(tmp_path)
    assert Slot.objects.filter(listing=archived).exists()  # the rows do make dates
    archive(archived)
    Slot.objects.filter(listing=kept).delete()

    report = import_file(tmp_path, "toronto")

    assert report.slots_created == Slot.objects.filter(listing=kept).count() > 0
    assert not Slot.objects.filter(listing=archived).exists()


def test_new_times_in_the_source_add_no_dates_to_an_archived_listing(tmp_path):
    archived, kept = imported(tmp_path)
    archive(archived)

    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename, EVENT_HEADER, rows(2, title="Jazz", hour=21)
    )
    import_file(tmp_path, "toronto")

    assert Slot.objects.filter(listing=kept, status=Slot.Status.OPEN).exists()
    assert not Slot.objects.filter(listing=archived).exists()
