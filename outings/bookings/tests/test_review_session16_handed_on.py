"""Review (session 16): the "Booked" mail of a booking handed on before it went (SMTP down, a busy
worker), pinned where a mutation audit found nothing that would notice a change: accepting a
transfer without moving the booking's version passed every test, and that mail then went to the
guest who had handed the booking on, putting the date back in their calendar after "now in the
name of". The real outbox relay delivers the rows, to a real SMTP server (aiosmtpd)."""

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.tests.test_review_session14 import _nudges, run_worker, sink
from outings.bookings.tests.test_review_session15_booked import (
    announce_while_smtp_is_down,
    booked_mail,
    smtp_back,
    subjects,
    toronto_date_booked,
)
from outings.catalog.tests.factories import UserFactory
from outings.notifications.tests.smtp_sink import SmtpSink

__all__ = ["_nudges", "sink"]  # fixtures

pytestmark = pytest.mark.django_db


def test_a_booked_mail_that_had_not_gone_when_the_booking_was_handed_on_is_not_sent(
    guest: User, sink: SmtpSink
) -> None:
    """As for a cancellation (test_review_session15_booked): the hand-over's mail, whose event is
    marked cancelled, is what the guest who gave the booking reads; the friend gets "Booked"."""
    _slot, booking = toronto_date_booked(guest)
    announce_while_smtp_is_down(sink)
    friend = UserFactory.create(email="friend@example.org", preferred_language="en")
    _transfer, secret = services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email, now=timezone.now()
    )

    services.accept_transfer(user=friend, secret=secret, now=timezone.now())
    smtp_back(sink)
    run_worker()

    assert "Booked" not in subjects(sink, guest)
    assert booked_mail(sink, friend)["To"] == friend.email
