"""Review of mail to a user whose account was deleted between the event and the send (session
23). A mail to a user goes to the address they have when it is sent
(test_review_session19_address.py); when the account was gone by then (staff deleted it, as its
owner asked, while SMTP was down for hours or a worker busy), the mail went all the same, to the
address the outbox row kept from the event, written in the site's default language, with no
opt-out checked (the preferences went with the account). It is now not sent: the row is done,
nothing reaches the server. A booking offered to an address is the address's, not an
account's: it still goes there.

Real PostgreSQL, the outbox relay run as a worker would, a real SMTP server (aiosmtpd)."""

import pytest
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.notifications import emails
from outings.notifications.services import notify
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.notifications.tests.test_review_mail import book, deliver
from outings.notifications.tests.test_review_session12 import html_of

pytestmark = pytest.mark.django_db


def test_a_mail_to_an_account_deleted_before_it_went_is_not_sent(
    guest: User, sink: SmtpSink
) -> None:
    notify(user=guest, kind="waitlist.closed", data={"listing": "Harbour walk"})
    queued = OutboxMessage.objects.get(kind=emails.KIND)
    address = guest.email
    guest.delete()  # the admin's "delete user"

    mails = deliver(sink)

    assert [mail["To"] for mail in mails] == []
    queued.refresh_from_db()
    assert queued.status == OutboxMessage.Status.DONE
    assert queued.payload["to"] == address  # what the mail would have gone to


def test_the_other_users_mail_of_the_drain_still_goes(guest: User, sink: SmtpSink) -> None:
    staying = UserFactory.create(email="staying@example.org")
    notify(user=guest, kind="waitlist.closed", data={"listing": "Harbour walk"})
    notify(user=staying, kind="waitlist.closed", data={"listing": "Harbour walk"})
    guest.delete()

    assert [mail["To"] for mail in deliver(sink)] == ["staying@example.org"]


def test_an_offer_to_the_address_of_an_account_deleted_since_still_goes_there(
    guest: User, sink: SmtpSink
) -> None:
    friend = UserFactory.create(email="friend@example.org", preferred_language="de")
    booking = book(guest)
    before = len(deliver(sink))
    services.offer_transfer(
        guest=guest, reference=booking.reference, to_email="friend@example.org", now=timezone.now()
    )
    friend.delete()

    offers = deliver(sink)[before:]

    assert [mail["To"] for mail in offers] == ["friend@example.org"]
    # In the giver's language, as to an address that is nobody's: not in the deleted account's.
    assert '<html lang="en">' in html_of(offers[0])
