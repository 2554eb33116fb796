"""Review (session 20): a date whose times moved with someone waiting on it (no seats taken: its
seats were freed while its listing was paused) has its move announced (events.RETIMED); if the
guest then leaves the list and the host removes the rule before the move's handler runs (a
worker busy or down), the rule's removal deletes the date, which nothing holds any more. The
handler then read the date with .get(): Slot.DoesNotExist, retried until the message was parked
for staff. session 19 made every other reader of a date deleted meanwhile answer "gone"
(test_races_session19_date_gone.py); the handler now has nothing to tell about it."""

from datetime import timedelta

import pytest
from django.db import transaction

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.common.models import OutboxMessage
from outings.common.outbox.testing import deliver
from outings.notifications.models import Notification
from outings.scheduling import events
from outings.scheduling.models import Slot
from outings.scheduling.services.sync import announce_retimed

pytestmark = pytest.mark.django_db


def test_the_handler_of_a_move_whose_date_is_gone_since_tells_nobody_and_is_done(
    guest: User, slot: Slot
) -> None:
    entry = WaitlistEntry.objects.create(
        slot=slot, guest=guest, seats=2, created_at=NOW, updated_at=NOW
    )
    with transaction.atomic():  # the move: its dates locked, the row written with it
        list(Slot.objects.select_for_update().filter(pk=slot.pk))
        Slot.objects.filter(pk=slot.pk).update(ends_at=slot.ends_at + timedelta(minutes=30))
        announce_retimed(slot_ids=[slot.pk])
    services.leave_waitlist(guest=guest, entry_id=entry.pk, now=NOW)
    Slot.objects.filter(pk=slot.pk).delete()  # the rule's removal: nothing holds the date

    deliver("default")

    message = OutboxMessage.objects.get(kind=events.RETIMED)
    assert (message.status, message.attempts, message.last_error) == ("done", 1, "")
    assert not Notification.objects.filter(
        kind__in=[Notification.Kind.BOOKING_RETIMED, Notification.Kind.WAITLIST_MOVED]
    ).exists()


def test_retime_bookings_of_a_date_gone_tells_nobody(slot: Slot) -> None:
    gone = slot.pk
    Slot.objects.filter(pk=gone).delete()

    told = services.retime_bookings(slot_ids=[gone], now=NOW)

    assert told == 0
