"""A mail to a user goes to the address they have when it is sent, as it is written in the
language and zone they have then: one queued before they changed their address (SMTP down for
hours, a busy worker) went to the address they had left, which may no longer be theirs. A
booking offered to an address goes to that address, whoever has it."""

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.catalog.tests.factories import UserFactory
from outings.notifications.services import notify
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.notifications.tests.test_review_mail import book, deliver

pytestmark = pytest.mark.django_db


def test_a_mail_queued_before_an_address_change_goes_to_the_new_address(
    guest: User, sink: SmtpSink
) -> None:
    old = guest.email
    notify(user=guest, kind="listing.approved", data={"listing": "Harbour walk"})
    guest.email = "new-address@example.org"
    guest.save(update_fields=["email"])

    recipients = [mail["To"] for mail in deliver(sink)]

    assert recipients == ["new-address@example.org"]
    assert old != "new-address@example.org"


def test_an_offer_goes_to_the_address_it_was_made_to(guest: User, sink: SmtpSink) -> None:
    friend = UserFactory.create(email="friend@example.org")
    booking = book(guest)
    before = len(deliver(sink))
    services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="friend@example.org", now=timezone.now()
    )
    friend.email = "elsewhere@example.org"
    friend.save(update_fields=["email"])

    recipients = [mail["To"] for mail in deliver(sink)][before:]

    assert recipients == ["friend@example.org"]
