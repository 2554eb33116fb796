"""The `urgent` outbox queue while SMTP is down: it holds kinds with different downstreams
(`email.send` next to `bookings.confirmed` and `bookings.expire`, database only). A mail that
SMTP refuses must not hold back the booking messages queued behind it: a confirmed booking's
host is told and a lapsed hold is released while the mail waits for its retry."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import Booking
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.models import Notification
from outings.notifications.tests.smtp_sink import free_port
from outings.scheduling.models import Slot

pytestmark = pytest.mark.django_db


def smtp_down():
    """Our SMTP backend pointed at a port nobody listens on (connection refused: retryable)."""
    return override_settings(
        EMAIL_BACKEND="outings.notifications.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=free_port(),
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
    )


def queue_mails(count: int) -> None:
    for n in range(count):
        emails.send_email(
            to=f"someone{n}@example.org",
            template="notification",
            context={"kind": "listing.approved", "data": {"listing": "x"}, "url": ""},
        )


def test_smtp_down_does_not_hold_back_a_booking_confirmation_queued_behind_mail(
    guest: User, slot: Slot
) -> None:
    queue_mails(3)  # the mail backlog of an SMTP outage, ahead in (due_at, id) order
    now = timezone.now()
    booking = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=now)
    services.confirm_booking(guest=guest, reference=booking.reference, now=now)
    host = slot.listing.host.user

    emails._connections.discard()
    with smtp_down():
        for _sweep in range(3):  # three sweeps (15 s), each one relay run on `urgent`
            relay.drain(queue="urgent", budget=5)
    emails._connections.discard()

    # The database-only handler has nothing to do with SMTP: it should have run.
    confirmed = OutboxMessage.objects.get(kind="bookings.confirmed")
    assert confirmed.status == OutboxMessage.Status.DONE, (
        f"bookings.confirmed is still {confirmed.status} after 3 relay runs: every run stopped "
        "at a mail that SMTP refused"
    )
    assert Notification.objects.filter(user=host, kind="booking.received").exists()


def test_smtp_down_does_not_keep_a_lapsed_hold_holding_its_seats(guest: User, slot: Slot) -> None:
    queue_mails(1)
    # A mail of the outage's backlog, waiting since 15 minutes ago.
    OutboxMessage.objects.filter(kind=emails.KIND).update(
        due_at=timezone.now() - timedelta(minutes=15)
    )
    # A hold made 11 minutes ago: its bookings.expire message is due (since a minute ago).
    booking = services.hold_seats(
        guest=guest, slot_id=slot.pk, seats=3, now=timezone.now() - timedelta(minutes=11)
    )

    emails._connections.discard()
    with smtp_down():
        relay.drain(queue="urgent", budget=5)
    emails._connections.discard()

    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED, (
        "the lapsed hold still holds its seats: the drain stopped at the mail before it"
    )
