"""A booking offered to someone who already has an account is written to them in their own
language (and shows the date at their time too), as every other mail to a user is: it was
written in the language of the guest handing it on, which only makes sense for an address
that is nobody's yet."""

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.catalog.tests.factories import UserFactory
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.notifications.tests.test_review_mail import book, deliver, text_of

pytestmark = pytest.mark.django_db


def test_an_offer_to_a_user_is_in_the_recipients_language(guest: User, sink: SmtpSink) -> None:
    friend = UserFactory.create(preferred_language="de", time_zone="America/New_York")
    booking = book(guest)
    deliver(sink)

    services.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email.upper(), now=timezone.now()
    )

    [offer] = [m for m in deliver(sink) if m["To"].lower() == friend.email.lower()]
    name = guest.get_full_name() or guest.email
    assert offer["Subject"] == f"{name} bietet dir eine Buchung an: {booking.listing.title}"
    assert "EDT" in text_of(offer)  # the friend's own clock beside the listing's


def test_an_offer_to_an_address_that_is_nobodys_is_in_the_givers_language(
    guest: User, sink: SmtpSink
) -> None:
    booking = book(guest)
    deliver(sink)

    services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="new@example.org", now=timezone.now()
    )

    [offer] = [m for m in deliver(sink) if m["To"] == "new@example.org"]
    name = guest.get_full_name() or guest.email
    assert offer["Subject"] == f"{name} offers you a booking: {booking.listing.title}"
