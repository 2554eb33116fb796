"""Review (data import, session 18): a row whose only change is when its listing meets (its
start times, weekdays or window) was counted "unchanged" in the summary, although the import
rewrote the listing's schedule and moved its unbooked dates: the count looked only at the
listing's own fields. It is counted updated."""

from datetime import time

import pytest

from outings.catalog.models import Listing
from outings.catalog.tests.test_import import import_file
from outings.catalog.tests.test_review_session17_import import at, events, write
from outings.scheduling.models import Schedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = 28


def test_a_row_whose_only_change_is_its_start_time_is_counted_updated(tmp_path):
    moved, same = events(2)
    write(tmp_path, [at(23, moved), at(23, same)])  # 19:00 in Toronto
    import_file(tmp_path, "toronto")
    listing = Listing.objects.get(source_id="evt0")
    fields = Listing.objects.values().get(pk=listing.pk)

    write(tmp_path, [at(21, moved), at(23, same)])  # 17:00 in Toronto, nothing else changed
    report = import_file(tmp_path, "toronto")

    assert Schedule.objects.get(listing=listing).start_times == [time(17)]
    assert Listing.objects.values().get(pk=listing.pk)["title"] == fields["title"]
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
