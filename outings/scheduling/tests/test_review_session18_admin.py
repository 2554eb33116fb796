"""Review (session 18): staff's change form and a cancelled date's times. A host cannot move a
cancelled date (its guests were told and refunded, its waiting list closed); the admin moved
it: the date left its rule, the rule's start that day was cancelled as an exception, and the
record of what was cancelled named a time it never had."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.bookings import services as bookings
from outings.bookings.models import Booking, WaitlistEntry
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.scheduling.models import Schedule, ScheduleException, Slot
from outings.scheduling.tests.support import stored
from outings.scheduling.tests.test_review_session15_admin import change_url, open_form, staff_client
from outings.scheduling.tests.test_review_session16_admin import a_rules_date, times

__all__ = ["staff_client"]  # a fixture

pytestmark = pytest.mark.django_db

CANCELLED = "This date is cancelled: its times cannot change."
EVERYTHING = (Slot, Schedule, ScheduleException, Booking, WaitlistEntry, OutboxMessage)


@pytest.fixture
def a_cancelled_date() -> Slot:
    """A rule's date with a guest's booking of 2, cancelled by its host."""
    slot = a_rules_date()
    guest = UserFactory.create()
    now = timezone.now()
    held = bookings.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    bookings.confirm_booking(guest=guest, reference=held.reference, now=now)
    bookings.cancel_slot(host=slot.listing.host, slot_id=slot.pk, reason="Storm", now=now)
    slot.refresh_from_db()
    assert slot.status == Slot.Status.CANCELLED
    return slot


@pytest.mark.parametrize("moved", [{"hours": 2}, {"minutes": -30}])
def test_staff_cannot_move_a_cancelled_date(
    staff_client: Client, a_cancelled_date: Slot, moved: dict[str, int]
) -> None:
    slot = a_cancelled_date
    form = open_form(staff_client, slot)
    before = stored(*EVERYTHING)

    response = staff_client.post(change_url(slot), {**form, **times(slot, **moved)})

    assert response.status_code == 200
    assert CANCELLED in response.content.decode()
    assert stored(*EVERYTHING) == before


def test_staff_cannot_change_only_the_end_of_a_cancelled_date(
    staff_client: Client, a_cancelled_date: Slot
) -> None:
    slot = a_cancelled_date
    form = open_form(staff_client, slot)
    ends = timezone.localtime(slot.ends_at + timedelta(minutes=30))

    response = staff_client.post(
        change_url(slot),
        {**form, "ends_at_0": f"{ends:%Y-%m-%d}", "ends_at_1": f"{ends:%H:%M:%S}"},
    )

    assert response.status_code == 200
    assert CANCELLED in response.content.decode()
    assert Slot.objects.get(pk=slot.pk).ends_at == slot.ends_at


def test_staff_may_still_save_a_cancelled_date_with_its_times_as_they_are(
    staff_client: Client, a_cancelled_date: Slot
) -> None:
    slot = a_cancelled_date
    form = open_form(staff_client, slot)

    response = staff_client.post(change_url(slot), form)

    assert response.status_code == 302
    now = Slot.objects.get(pk=slot.pk)
    assert (now.starts_at, now.ends_at, now.schedule_id) == (
        slot.starts_at,
        slot.ends_at,
        slot.schedule_id,
    )
