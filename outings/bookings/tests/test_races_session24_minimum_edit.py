"""Review (session 24): a host raising a listing's minimum of guests while a date's cut-off comes.
The edit decides at once, by the minimum they had, the dates whose cut-off has passed
(bookings.services.update_listing, session 17), so that a rule set after a date's cut-off never
cancels it. Which dates those are was measured from the `now` the page (or the API) read when
the request came in; the edit then waited for the listing's row lock (another edit of it, a
date's cancel or places, the hourly run of its rules) and committed after a date's cut-off had
passed. That date was not among those decided at the edit, and the next run of the minimum
decided it by the new minimum: cancelled, its guests told and refunded, by a rule that took
effect after its cut-off. The edit now reads the clock once it holds the listing's lock.
The test failed on the code it was written against."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.models import Listing
from outings.catalog.tests.factories import (
    HostProfileFactory,
    ListingFactory,
    SlotFactory,
    UserFactory,
)
from outings.common.tests.connections import in_thread
from outings.hosting.tests.fixtures import categories  # noqa: F401 - a fixture
from outings.hosting.tests.test_pages import LISTING_FORM
from outings.scheduling.models import Slot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]

# The listing's own place (ListingFactory's, in Toronto): the edit moves no date to a new zone.
TORONTO = {"city": "Toronto", "country_code": "ca", "latitude": "43.6426", "longitude": "-79.3871"}


def the_run() -> list[int]:
    """What beat's decide_minimums does now: the dates it cancels."""
    now = timezone.now()
    return [
        slot_id
        for slot_id in services.slots_due_for_minimum(now=now)
        if services.decide_minimum(slot_id=slot_id, now=now, clock=timezone.now)
    ]


def booked(slot: Slot) -> Booking:
    guest: User = UserFactory.create()
    now = timezone.now()
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=1, now=now)
    return services.confirm_booking(guest=guest, reference=booking.reference, now=now)


def test_a_minimum_raised_while_a_cut_off_passes_during_the_edit_does_not_cancel_that_date(
    client: Client,
) -> None:
    host: HostProfile = HostProfileFactory.create()
    listing = ListingFactory.create(host=host, address="Am Kupfergraben 1", max_group_size=6)
    hours = timedelta(hours=listing.min_guests_cutoff_hours)
    edge = SlotFactory.create(listing=listing, starts_at=timezone.now() + hours * 2)
    later = SlotFactory.create(listing=listing, starts_at=timezone.now() + hours * 3)
    on_the_edge, ahead = booked(edge), booked(later)
    client.force_login(host.user)
    assert client.get(f"/host/listings/{listing.pk}/").status_code == 200  # the page, opened
    # The first date's cut-off comes in two seconds, while the edit waits for the lock.
    cut_off = timezone.now() + timedelta(seconds=2)
    Slot.objects.filter(pk=edge.pk).update(starts_at=cut_off + hours, ends_at=cut_off + hours * 2)
    locked = threading.Event()

    def hold_the_listing() -> None:
        # Another change of the listing (its rules' hourly run, a date's cancel) holds its row
        # until the date's cut-off has passed.
        with transaction.atomic():
            Listing.objects.select_for_update(no_key=True).get(pk=listing.pk)
            locked.set()
            time.sleep(max(0.0, (cut_off - timezone.now()).total_seconds()) + 1.0)

    outcome: dict[str, object] = {}
    holder = in_thread(outcome, "holder", hold_the_listing)
    assert locked.wait(timeout=10)
    form = {**LISTING_FORM, **TORONTO, "version": str(listing.version), "min_guests": "3"}

    response = client.post(f"/host/listings/{listing.pk}/", form)  # waits for the lock

    holder.join(timeout=30)
    assert outcome["holder"] is None
    assert response.status_code == 302
    assert timezone.now() > cut_off
    assert the_run() == []
    edge.refresh_from_db()
    assert edge.status == Slot.Status.OPEN
    assert edge.minimum_checked_at is not None  # decided at the edit, by no minimum
    on_the_edge.refresh_from_db()
    assert on_the_edge.status == Booking.Status.CONFIRMED
    later.refresh_from_db()  # its cut-off is ahead: the new minimum is its own
    assert (later.status, later.minimum_checked_at) == (Slot.Status.OPEN, None)
    ahead.refresh_from_db()
    assert ahead.status == Booking.Status.CONFIRMED
