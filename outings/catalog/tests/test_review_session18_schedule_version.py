"""Review (data import, session 18): a re-import that rewrites a demo schedule's times (the
source moved its start) left the schedule's `version` where it was, so a host's edit based on
the rule as it was before the import (an If-Match, the form's or the body's version) still
matched and wrote the old times back over the new ones: a silent overwrite (DESIGN.md,
invariant 5). The import moves the version of every schedule it rewrites: such an edit is
refused as a conflict (412 over the API with If-Match), nothing changed."""

from datetime import time

import pytest
from django.test import Client
from django.utils import timezone

from outings.accounts import services as account_services
from outings.catalog.models import Listing
from outings.catalog.tests.test_import import import_file
from outings.catalog.tests.test_review_session17_import import at, events, write
from outings.scheduling import services as scheduling
from outings.scheduling.models import Schedule
from outings.scheduling.rules import ScheduleConflict, ScheduleData

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("nudges")]


@pytest.fixture(autouse=True)
def _short_horizon(settings):
    settings.SLOT_HORIZON_DAYS = 28


def imported_then_moved(tmp_path) -> tuple[Listing, Schedule]:
    """A demo listing imported at 19:00 in Toronto, its schedule as its host read it, then
    imported again with the start moved to 17:00."""
    (event,) = events(1)
    write(tmp_path, [at(23, event)])  # 19:00 in Toronto
    import_file(tmp_path, "toronto")
    listing = Listing.objects.get(source_id="evt0")
    read = Schedule.objects.get(listing=listing)

    write(tmp_path, [at(21, event)])  # 17:00 in Toronto
    import_file(tmp_path, "toronto")

    assert Schedule.objects.get(pk=read.pk).start_times == [time(17)]
    return listing, read


def rule_of(schedule: Schedule) -> dict[str, object]:
    return {
        "weekdays": schedule.weekdays,
        "start_times": [f"{start:%H:%M}" for start in schedule.start_times],
        "valid_from": schedule.valid_from.isoformat(),
        "valid_until": schedule.valid_until and schedule.valid_until.isoformat(),
        "capacity": schedule.capacity,
    }


def test_a_rewritten_schedule_moves_its_version(tmp_path):
    _listing, read = imported_then_moved(tmp_path)

    assert Schedule.objects.get(pk=read.pk).version == read.version + 1


def test_a_hosts_edit_based_on_the_rule_before_the_import_is_refused(tmp_path):
    listing, read = imported_then_moved(tmp_path)

    with pytest.raises(ScheduleConflict):
        scheduling.update_schedule(
            host=listing.host,
            schedule_id=read.pk,
            data=ScheduleData(
                weekdays=read.weekdays,
                start_times=read.start_times,
                valid_from=read.valid_from,
                valid_until=read.valid_until,
                capacity=read.capacity + 1,
            ),
            now=timezone.now(),
            expected_version=read.version,
        )

    assert Schedule.objects.get(pk=read.pk).start_times == [time(17)]


def test_an_api_edit_with_the_etag_read_before_the_import_is_412(tmp_path):
    listing, read = imported_then_moved(tmp_path)
    token = account_services.create_api_token(user=listing.host.user, name="tests").secret
    api = Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token}"})

    answer = api.put(
        f"/api/v1/host/listings/{listing.pk}/schedules/{read.pk}",
        {**rule_of(read), "capacity": read.capacity + 1},
        content_type="application/json",
        headers={"If-Match": f'"{read.version}"'},
    )

    assert answer.status_code == 412, answer.content
    assert answer.json()["error"]["code"] == "precondition_failed"
    after = Schedule.objects.get(pk=read.pk)
    assert (after.start_times, after.capacity) == ([time(17)], read.capacity)
