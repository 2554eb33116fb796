"""Review (session 13): what the worker announces when it gets to a booking late, after the
booking or its date changed, and the reminder of a date whose start moved. The real outbox relay
delivers the rows, on the real database."""

from datetime import datetime, timedelta

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications.models import Notification
from outings.scheduling.admin import times_of
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db
REMIND = "bookings.remind"


def run_worker() -> None:
    """Every due outbox row, as the workers would (a handler's mail is a row of its own)."""
    for _round in range(3):
        relay.drain(queue="urgent", budget=20)
        relay.drain(queue="default", budget=20)


def book(guest: User, slot: Slot, *, now: datetime) -> Booking:
    """Two seats held and confirmed; the worker has not announced them yet."""
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    return services.confirm_booking(guest=guest, reference=held.reference, now=now)


def hand_on(booking: Booking, *, to: User, now: datetime) -> None:
    _transfer, secret = services.offer_transfer(
        guest=booking.guest, reference=booking.reference, to_email=to.email, now=now
    )
    services.accept_transfer(user=to, secret=secret, now=now)


def mails(user: User, template: str) -> int:
    return OutboxMessage.objects.filter(
        kind="email.send", payload__to=user.email, payload__template=template
    ).count()


def test_a_booking_handed_on_before_the_worker_came_is_not_announced_to_the_old_guest(
    guest: User, slot: Slot
) -> None:
    """Bug: the guest confirms and hands the booking on before a busy worker took the
    `bookings.confirmed` row. The transfer told the old guest "now in the name of …" (their
    calendar event marked cancelled) and sent the new guest the confirmation with its invite.
    Then the worker announced the confirmation to the guest who confirmed: a "Booked" mail with
    an invite putting the date back into the calendar of someone who no longer holds the
    booking, and a "confirmed" notification linking to a booking page they cannot open.
    Expected: the old guest gets nothing more; the new one has one confirmation; the host's
    count and the reminder (to whoever holds the booking then) are as for any booking."""
    now = timezone.now()
    booking = book(guest, slot, now=now)
    friend = UserFactory.create(email="friend@example.org")
    hand_on(booking, to=friend, now=now)

    run_worker()

    assert mails(guest, "booking_confirmed") == 0
    assert not Notification.objects.filter(user=guest, kind="booking.confirmed").exists()
    assert Notification.objects.filter(user=guest, kind="booking.transferred").count() == 1
    assert mails(friend, "booking_confirmed") == 1
    assert (
        Notification.objects.filter(user=slot.listing.host.user, kind="booking.received").count()
        == 1
    )
    assert OutboxMessage.objects.filter(kind=REMIND).count() == 1
    assert OutboxMessage.objects.get(kind="bookings.confirmed").status == "done"


def test_a_booking_handed_on_and_back_is_confirmed_to_its_guest_once(
    guest: User, other_guest: User, slot: Slot
) -> None:
    """The booking went to a friend and back before the worker came: each transfer sent its
    new holder the confirmation, so the guest already has theirs (the last one); the worker's
    would be a second "Booked" mail."""
    now = timezone.now()
    booking = book(guest, slot, now=now)
    hand_on(booking, to=other_guest, now=now)
    booking.refresh_from_db()
    hand_on(booking, to=guest, now=now)

    run_worker()

    assert mails(guest, "booking_confirmed") == 1
    assert mails(other_guest, "booking_confirmed") == 1


def move_in_admin(client: Client, slot: Slot, *, starts_at: datetime) -> None:
    """Staff correct the date's time on the admin's change form ("Staff may correct a slot's
    times", scheduling/admin.py)."""
    local = timezone.localtime(starts_at)
    ends = timezone.localtime(starts_at + (slot.ends_at - slot.starts_at))
    response = client.post(
        reverse("admin:scheduling_slot_change", args=[slot.pk]),
        {
            "listing": slot.listing_id,
            "schedule": "",
            "starts_at_0": f"{local:%Y-%m-%d}",
            "starts_at_1": f"{local:%H:%M:%S}",
            "ends_at_0": f"{ends:%Y-%m-%d}",
            "ends_at_1": f"{ends:%H:%M:%S}",
            "capacity": slot.capacity,
            "status": slot.status,
            "expected_version": slot.version,
            "expected_times": times_of(slot),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    slot.refresh_from_db()
    assert slot.starts_at == starts_at


@pytest.fixture
def staff_client(client: Client) -> Client:
    assert admin_site.is_registered(Slot)
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client


def due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(due_at=timezone.now())


@pytest.mark.parametrize("days", [2, 6])  # moved earlier, moved later
def test_a_booked_date_moved_by_staff_reminds_its_guest_a_day_before_its_new_start(
    guest: User, staff_client: Client, days: int
) -> None:
    """Bug: the reminder is a due row planned for the start as it was at the confirmation; its
    handler skips it once the date moved ("a moved date plans its own reminder"), but nothing
    planned one for the new start: a guest whose date staff moved got no reminder at all (nor
    a word that it moved). Expected: one reminder due a day before the new start, sent once,
    to the guest; the old one sends nothing."""
    now = timezone.now()
    start = (now + timedelta(days=4)).replace(microsecond=0)
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(hours=2))
    booking = book(guest, slot, now=now)
    run_worker()  # announced: a reminder planned for the old start
    [old] = OutboxMessage.objects.filter(kind=REMIND)

    new_start = (now + timedelta(days=days)).replace(microsecond=0)
    move_in_admin(staff_client, slot, starts_at=new_start)
    run_worker()

    [new] = OutboxMessage.objects.filter(kind=REMIND).exclude(pk=old.pk)
    assert new.due_at == new_start - timedelta(hours=24)
    assert new.payload["booking"] == booking.pk
    assert Notification.objects.filter(user=guest, kind="booking.retimed").count() == 1
    due(old)
    due(new)
    run_worker()
    run_worker()
    assert mails(guest, "booking_reminder") == 1
    assert OutboxMessage.objects.filter(kind=REMIND).count() == 2


def test_a_date_moved_twice_plans_one_reminder_for_where_it_ends_up(
    guest: User, staff_client: Client
) -> None:
    """Two corrections before the worker came: each writes its row, both are handled after
    the second; one reminder for the final start, not two."""
    now = timezone.now()
    start = (now + timedelta(days=4)).replace(microsecond=0)
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(hours=2))
    book(guest, slot, now=now)
    run_worker()
    final = start + timedelta(days=2)
    move_in_admin(staff_client, slot, starts_at=start + timedelta(days=1))
    move_in_admin(staff_client, slot, starts_at=final)

    run_worker()

    due_at = sorted(OutboxMessage.objects.filter(kind=REMIND).values_list("due_at", flat=True))
    assert due_at == [start - timedelta(hours=24), final - timedelta(hours=24)]


def test_a_date_moved_before_the_announcement_gets_one_reminder(
    guest: User, staff_client: Client
) -> None:
    """The date moved between the confirmation and its announcement: the announcement plans
    the reminder for the new start; the move's own handling adds none."""
    now = timezone.now()
    start = (now + timedelta(days=4)).replace(microsecond=0)
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(hours=2))
    book(guest, slot, now=now)
    new_start = start + timedelta(days=1)
    move_in_admin(staff_client, slot, starts_at=new_start)

    run_worker()

    [reminder] = OutboxMessage.objects.filter(kind=REMIND)
    assert reminder.due_at == new_start - timedelta(hours=24)


def test_a_date_moved_to_less_than_a_day_ahead_gets_no_reminder(
    guest: User, staff_client: Client
) -> None:
    """As a booking made within a day of its start: no reminder."""
    now = timezone.now()
    start = (now + timedelta(days=4)).replace(microsecond=0)
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(hours=2))
    book(guest, slot, now=now)
    run_worker()
    move_in_admin(staff_client, slot, starts_at=(now + timedelta(hours=20)).replace(microsecond=0))

    run_worker()
    OutboxMessage.objects.filter(kind=REMIND).update(due_at=timezone.now())
    run_worker()

    assert OutboxMessage.objects.filter(kind=REMIND).count() == 1  # the old one
    assert mails(guest, "booking_reminder") == 0
