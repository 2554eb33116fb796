"""Review (session 24): a guest waits on a date for a group of 6 (4 seats were free). Its host
then gives the date 5 places in all (4 taken: allowed, never below the seats taken). Freed seats
are offered to an entry only whole, so a group of 6 can never be offered a seat on a date of 5:
the guest waited on, "Waiting" in their bookings, told nothing, until the date began. Lowering
a date's places (its host's, staff's in the admin, a rule's new capacity) now closes the
waiting entries bigger than the date, and tells their guests why (the date's places and their
group), with the link to the listing's other dates. Personas: Ada (guest A) waits, Bea (guest
B) booked, the host."""

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from outings.accounts.models import HostProfile, User
from outings.bookings import services
from outings.bookings.models import WaitlistEntry
from outings.bookings.tests.conftest import NOW
from outings.catalog.models import Listing
from outings.catalog.tests.factories import UserFactory
from outings.notifications import texts
from outings.notifications.models import Notification
from outings.scheduling import services as scheduling
from outings.scheduling.models import Slot
from outings.scheduling.rules import ScheduleData

pytestmark = pytest.mark.django_db


def _book(guest: User, slot: Slot, seats: int) -> None:
    now = timezone.now()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=seats, now=now)
    services.confirm_booking(guest=guest, reference=held.reference, now=now)


@pytest.fixture
def eight(slot: Slot) -> Slot:
    """A date of 8 places, 4 of them booked by Bea."""
    Slot.objects.filter(pk=slot.pk).update(capacity=8, starts_at=timezone.now() + timedelta(days=3))
    slot.refresh_from_db()
    _book(UserFactory.create(), slot, 4)
    return slot


def told(guest: User) -> list[str]:
    with translation.override("en"), timezone.override(timezone.get_default_timezone()):
        return [
            f"{text.title}: {text.body}"
            for notice in Notification.objects.filter(
                user=guest, kind=Notification.Kind.WAITLIST_CLOSED
            )
            for text in [texts.render(notice.kind, notice.data)]
        ]


def test_a_group_bigger_than_the_dates_new_places_is_told_and_no_longer_waits(
    guest: User, host: HostProfile, eight: Slot
) -> None:
    entry = services.join_waitlist(guest=guest, slot_id=eight.pk, seats=6, now=timezone.now())

    services.change_slot_capacity(host=host, slot_id=eight.pk, capacity=5, now=timezone.now())

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.CLOSED
    [said] = told(guest)
    assert said.startswith("No longer on the waiting list: ")
    assert "now has 5 places in all, fewer than your group of 6" in said
    assert "you are no longer on its waiting list" in said


def test_a_german_reader_is_told_in_german(guest: User, host: HostProfile, eight: Slot) -> None:
    services.join_waitlist(guest=guest, slot_id=eight.pk, seats=6, now=timezone.now())
    services.change_slot_capacity(host=host, slot_id=eight.pk, capacity=5, now=timezone.now())

    [notice] = Notification.objects.filter(user=guest, kind=Notification.Kind.WAITLIST_CLOSED)
    with translation.override("de"):
        text = texts.render(notice.kind, notice.data)

    assert text.title == "Nicht mehr auf der Warteliste"
    assert "hat jetzt insgesamt nur noch 5 Plätze, weniger als deine Gruppe von 6" in text.body


def test_a_group_that_still_fits_keeps_its_place(
    guest: User, other_guest: User, host: HostProfile, eight: Slot
) -> None:
    """The control: a group of 5 fits in 5 places (one is free when Bea cancels), and waits
    on, told nothing."""
    entry = services.join_waitlist(guest=guest, slot_id=eight.pk, seats=5, now=timezone.now())

    services.change_slot_capacity(host=host, slot_id=eight.pk, capacity=5, now=timezone.now())

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING
    assert told(guest) == []


def test_a_rules_new_capacity_closes_the_groups_it_leaves_too_big(
    guest: User, host: HostProfile, listing: Listing
) -> None:
    """The same through the rule (PUT /host/listings/{id}/schedules/{id}): its dates' places
    go from 8 to 5 (4 taken), and the group of 6 waiting on one of them is told."""
    rule: dict[str, Any] = {
        "weekdays": [0],
        "start_times": [time(10)],
        "valid_from": date(2030, 5, 6),
        "valid_until": date(2030, 5, 12),
    }
    schedule = scheduling.create_schedule(
        host=host, listing_id=listing.pk, data=ScheduleData(**rule, capacity=8), now=NOW
    )
    slot = Slot.objects.get(schedule=schedule)
    held = services.hold_seats(guest=UserFactory.create(), slot_id=slot.pk, seats=4, now=NOW)
    services.confirm_booking(guest=held.guest, reference=held.reference, now=NOW)
    entry = services.join_waitlist(guest=guest, slot_id=slot.pk, seats=6, now=NOW)

    services.update_schedule(
        host=host, schedule_id=schedule.pk, data=ScheduleData(**rule, capacity=5), now=NOW
    )

    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.CLOSED
    [said] = told(guest)
    assert "now has 5 places in all, fewer than your group of 6" in said
