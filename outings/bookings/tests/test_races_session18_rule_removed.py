"""A guest takes seats on a date while its rule is removed, by its host or by staff in the admin,
at that instant. The removal locks the rule's dates to come and deletes the unbooked ones; the
hold, which read the date as open without a lock, waits for its row and then finds none. Its
seat UPDATE refused, the hold read the date again to say why with `.get()`: Slot.DoesNotExist,
a 500. It now answers as for a date cancelled meanwhile (409 slot_unavailable), nothing taken."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from outings.bookings import services as bookings
from outings.bookings.errors import SlotUnavailable
from outings.bookings.models import Booking
from outings.catalog.tests.factories import UserFactory
from outings.common.tests.connections import in_thread, until_waiting_or_done
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.services import delete_schedule, delete_schedule_as_staff
from outings.scheduling.tests.test_review_session16_admin import a_rules_date

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("nudges", "in_memory_channel_layer"),
]

REMOVALS: dict[str, Callable[[Slot], None]] = {
    "host": lambda slot: delete_schedule(
        host=slot.listing.host, schedule_id=slot.schedule_id or 0, now=timezone.now()
    ),
    "staff": lambda slot: delete_schedule_as_staff(
        schedule_id=slot.schedule_id or 0, now=timezone.now()
    ),
}


@pytest.mark.parametrize("by", sorted(REMOVALS))
def test_a_hold_waiting_for_a_date_its_rules_removal_deletes_is_refused(by: str) -> None:
    slot = a_rules_date()
    guest = UserFactory.create()
    outcome: dict[str, Any] = {}
    with transaction.atomic():  # the removal: the date locked and deleted until it commits
        REMOVALS[by](slot)
        hold = in_thread(
            outcome,
            "hold",
            lambda: bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now()),
        )
        until_waiting_or_done(hold)  # or done: without the lock it goes ahead
    hold.join(timeout=10)

    assert isinstance(outcome["hold"], SlotUnavailable), outcome["hold"]
    assert outcome["hold"].message == "This date was cancelled; pick another."
    assert not Schedule.objects.exists()
    assert not Slot.objects.exists()
    assert not Booking.objects.exists()
