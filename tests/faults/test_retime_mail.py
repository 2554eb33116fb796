"""A booked date that staff move twice while the SMTP server is down: what the guest's mailbox
says once it is back, with a real Celery worker on the urgent and default queues, a real broker
and a real SMTP server (docs/bookings.md, "Mail and calendars")."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outings.bookings import services
from outings.bookings.tests.test_review_session14 import move_in_admin, received_by, text_of
from outings.bookings.tests.test_review_session15_retime import sequence_of, start_of
from outings.catalog.models import Listing
from outings.catalog.tests.factories import SlotFactory, UserFactory
from outings.common.models import OutboxMessage
from outings.notifications import emails
from outings.notifications.models import Notification
from outings.scheduling.models import Slot
from tests.faults.conftest import wait_until

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("broker_url")]


def move_an_hour_later(client: Client, slot: Slot) -> None:
    slot.refresh_from_db()
    move_in_admin(
        client,
        slot,
        starts_at=slot.starts_at + timedelta(hours=1),
        ends_at=slot.ends_at + timedelta(hours=1),
    )


def test_two_moves_while_smtp_is_down_reach_the_guest_as_one_true_mail(sink, start_worker):
    """Staff move the date from 10:00 to 11:00; the worker writes the mail, which fails (SMTP
    down) and waits to be retried; staff move it on to noon. Once SMTP is back the guest got
    "now starts at 11 a.m." with an invite at noon, then "which was on 11 a.m.": two mails, the
    first untrue when it went. Now one, from 10 a.m. to noon, its invite at noon."""
    guest = UserFactory.create(
        email="moved@example.org", time_zone="Europe/Berlin", preferred_language="en"
    )
    start = datetime(2031, 7, 5, 14, 0, tzinfo=UTC)
    slot = SlotFactory.create(starts_at=start, ends_at=start + timedelta(minutes=90))
    Listing.objects.filter(pk=slot.listing_id).update(time_zone="America/Toronto")
    staff = Client()
    staff.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    start_worker()
    held = services.hold_seats(guest=guest, slot_id=slot.pk, seats=2, now=timezone.now())
    services.confirm_booking(guest=guest, reference=held.reference, now=timezone.now())
    wait_until(lambda: len(received_by(sink, guest)) == 1, timeout=60)
    [confirmation] = received_by(sink, guest)

    sink.stop()
    move_an_hour_later(staff, slot)
    mails = OutboxMessage.objects.filter(kind=emails.KIND, payload__template="notification")
    wait_until(lambda: mails.exclude(last_error="").exists(), timeout=30)  # tried, refused
    move_an_hour_later(staff, slot)
    notices = Notification.objects.filter(user=guest, kind="booking.retimed")
    wait_until(lambda: notices.count() == 2, timeout=30)
    sink.start()
    wait_until(lambda: not mails.exclude(status=OutboxMessage.Status.DONE).exists(), timeout=60)

    received = received_by(sink, guest)
    assert [mail["Subject"].split(":")[0] for mail in received] == ["Booked", "New time"]
    mail = received[1]
    assert "which was on July 5, 2031, 10 a.m. EDT" in text_of(mail)
    assert "now starts at July 5, 2031, noon EDT" in text_of(mail)
    assert start_of(mail) == "20310705T120000"
    assert sequence_of(mail) > sequence_of(confirmation)
