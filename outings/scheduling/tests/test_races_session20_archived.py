"""The hourly run (materialize_schedules) reaches a rule while its host archives the listing.

The run read the rules of listings not archived, then took each listing's lock. A listing
archived while the run waited for that lock (the archive holds it until it commits) had its
dates to come retired by the archive, and the run, reading nothing again under the lock, made
them anew: open dates on an archived listing, which no later run (nor the host, nor staff)
takes away."""

import pytest
from django.db import transaction

from outings.catalog.models import Listing
from outings.catalog.services import archive_listing
from outings.common.tests.connections import in_thread, until_waiting
from outings.scheduling.models import Slot
from outings.scheduling.services import SyncResult, materialize_schedules
from outings.scheduling.tests.test_races_session18_materialize import weekly_rule
from outings.scheduling.tests.test_slots import MONDAY

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_listing_archived_while_the_run_waits_for_it_gets_no_dates_again():
    listing = weekly_rule().listing
    assert materialize_schedules(now=MONDAY, horizon_days=13).created == 2
    outcome: dict[str, object] = {}

    with transaction.atomic():  # the host's archive: the listing locked until it commits
        archive_listing(
            host=listing.host, listing_id=listing.pk, actor=listing.host.user, now=MONDAY
        )
        run = in_thread(outcome, "run", lambda: materialize_schedules(now=MONDAY, horizon_days=13))
        until_waiting(1)
    run.join(timeout=10)

    assert outcome["run"] == SyncResult(created=0, removed=0, kept_booked=0), outcome["run"]
    assert Listing.objects.get(pk=listing.pk).status == Listing.Status.ARCHIVED
    assert not Slot.objects.filter(listing=listing).exists()
