"""A date goes while someone else waits for its row: its listing is archived (the archive deletes
the unbooked open dates to come under their locks), or its rule is removed. The host
cancelling that date (or staff, in the admin), a guest joining its waiting list, and the
minimum's cut-off deciding it read the date as there without a lock, waited for its row and
then read it with `.get()`: Slot.DoesNotExist, a 500 (a failed task for the cut-off). The
hold's twin was fixed in session 18 (test_races_session18_rule_removed.py). Now the host and
staff are told the date is no longer there (404 not_found), the guest that it was cancelled
(409 slot_unavailable, as a hold is), and the cut-off finds nothing to decide; nothing
changes."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from outings.bookings import services as bookings
from outings.bookings.errors import SlotUnavailable
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog import services as catalog
from outings.catalog.models import Listing
from outings.catalog.tests.factories import UserFactory
from outings.common.errors import NotFound
from outings.common.tests.connections import in_thread, until_waiting_or_done
from outings.scheduling.models import Slot
from outings.scheduling.services import delete_schedule
from outings.scheduling.tests.test_review_session16_admin import a_rules_date

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]


def _archive(slot: Slot) -> None:
    listing = slot.listing
    catalog.archive_listing(
        host=listing.host, listing_id=listing.pk, actor=listing.host.user, now=timezone.now()
    )


def _remove_rule(slot: Slot) -> None:
    delete_schedule(host=slot.listing.host, schedule_id=slot.schedule_id or 0, now=timezone.now())


REMOVALS: dict[str, Callable[[Slot], None]] = {"archive": _archive, "rule": _remove_rule}


def _while_removed(slot: Slot, by: str, work: Callable[[], Any]) -> Any:
    """`work` run in another session while `by` deletes `slot` and holds its row until it
    commits; what `work` returned or raised."""
    outcome: dict[str, Any] = {}
    with transaction.atomic():
        REMOVALS[by](slot)
        thread = in_thread(outcome, "work", work)
        until_waiting_or_done(thread)  # or done: without a lock it goes ahead
    thread.join(timeout=10)
    assert not Slot.objects.filter(pk=slot.pk).exists()
    return outcome["work"]


@pytest.mark.parametrize("by", sorted(REMOVALS))
def test_the_host_cancelling_a_date_that_goes_meanwhile_is_told_it_is_no_longer_there(
    by: str,
) -> None:
    slot = a_rules_date()
    host = slot.listing.host

    outcome = _while_removed(
        slot,
        by,
        lambda: bookings.cancel_slot(
            host=host, listing_id=slot.listing_id, slot_id=slot.pk, reason="", now=timezone.now()
        ),
    )

    assert isinstance(outcome, NotFound), outcome
    assert outcome.status_code == 404
    assert outcome.message == "There is no such date."
    assert not Booking.objects.exists()


def test_staff_cancelling_a_date_its_listings_archive_deletes_are_told_it_is_gone() -> None:
    slot = a_rules_date()
    staff = UserFactory.create(is_staff=True, is_superuser=True)

    outcome = _while_removed(
        slot,
        "archive",
        lambda: bookings.cancel_slot_as_staff(
            staff=staff, slot_id=slot.pk, reason="", now=timezone.now()
        ),
    )

    assert isinstance(outcome, NotFound), outcome
    assert Listing.objects.get(pk=slot.listing_id).status == Listing.Status.ARCHIVED


@pytest.mark.parametrize("by", sorted(REMOVALS))
def test_joining_the_waiting_list_of_a_date_that_goes_meanwhile_is_refused(by: str) -> None:
    slot = a_rules_date()
    guest = UserFactory.create()

    # The join reads the date's seats under its row lock before it decides anything (full or
    # not): that read waits for the removal.
    outcome = _while_removed(
        slot,
        by,
        lambda: bookings.join_waitlist(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now()),
    )

    assert isinstance(outcome, SlotUnavailable), outcome
    assert outcome.message == "This date was cancelled; pick another."
    assert not WaitlistEntry.objects.exists()


def test_the_minimums_cut_off_for_a_date_its_listings_archive_deletes_decides_nothing() -> None:
    slot = a_rules_date()
    Listing.objects.filter(pk=slot.listing_id).update(min_guests=2)

    outcome = _while_removed(
        slot, "archive", lambda: bookings.decide_minimum(slot_id=slot.pk, now=timezone.now())
    )

    assert outcome is False


def test_the_host_cancelling_a_date_its_listings_archive_takes_off_sale_finds_it_gone() -> None:
    """A date a lapsed hold names is cancelled by the archive, not deleted (the booking's
    record). The cancellation reads the listing under its lock, so it sees the archive: the
    date is not found, as any date of an archived listing is for its host, not "already
    cancelled" by a cancellation the host never made."""
    slot = a_rules_date()
    host = slot.listing.host
    held = bookings.hold_seats(
        guest=UserFactory.create(), slot_id=slot.pk, seats=2, now=timezone.now()
    )
    assert held.expires_at is not None
    assert bookings.expire_booking(booking_id=held.pk, now=held.expires_at)
    outcome: dict[str, Any] = {}
    with transaction.atomic():
        _archive(slot)
        thread = in_thread(
            outcome,
            "cancel",
            lambda: bookings.cancel_slot(host=host, slot_id=slot.pk, reason="", now=timezone.now()),
        )
        until_waiting_or_done(thread)
    thread.join(timeout=10)

    assert isinstance(outcome["cancel"], NotFound), outcome["cancel"]
    assert Slot.objects.get(pk=slot.pk).status == Slot.Status.CANCELLED
    assert Booking.objects.get(pk=held.pk).status == Booking.Status.EXPIRED
