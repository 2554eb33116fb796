"""Session 16's mutation audit of the email queue: what "Email: once" (docs/background-work.md)
promises and no test held it to. Mail goes through the real outbox relay to a real SMTP server
(aiosmtpd, the `sink` fixture). Each test names the one-line change that used to pass the whole
suite."""

import smtplib
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from outings.accounts.models import User
from outings.bookings import services as bookings
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.tests.smtp_sink import SmtpSink
from outings.notifications.tests.test_review_mail import book, deliver, text_of

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def queue_mails(count: int) -> list[OutboxMessage]:
    return [
        emails.send_email(
            to=f"someone{n}@example.org",
            template="notification",
            context={"kind": "listing.approved", "data": {"listing": "x"}, "url": ""},
        )
        for n in range(count)
    ]


def record_connections(sink: SmtpSink) -> list[Any]:
    """The client address (host, port) of the connection each mail the sink accepts came by:
    one port per SMTP connection. Set before connecting: aiosmtpd reads its handler's hooks
    once per connection."""
    peers: list[Any] = []
    accept = sink.recorder.handle_DATA

    async def handle_data(server: Any, session: Any, envelope: Any) -> str:
        peers.append(session.peer)
        return await accept(server, session, envelope)

    sink.recorder.handle_DATA = handle_data  # type: ignore[method-assign]
    return peers


def drain_to(sink: SmtpSink) -> None:
    with sink.as_backend():
        relay.drain(queue="urgent", budget=5)


@pytest.fixture(autouse=True)
def _fresh_smtp_connection() -> Any:
    """The worker's SMTP connection is kept between mails (per process): none from another test."""
    emails._connections.discard()
    yield
    emails._connections.discard()


def test_the_mails_of_a_drain_share_one_smtp_connection(sink: SmtpSink) -> None:
    """SMTP connections are reused per worker process: a TCP (and TLS) handshake and an EHLO
    per mail would cost every mail several round trips. Reopening a connection used less than
    MAX_IDLE_SECONDS ago, instead of one idle for longer, passed every test."""
    peers = record_connections(sink)
    queue_mails(3)

    drain_to(sink)

    assert len(peers) == 3
    assert len(set(peers)) == 1
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.DONE}


def test_a_connection_idle_too_long_is_not_reused_so_a_server_that_closed_it_costs_no_attempt(
    sink: SmtpSink,
) -> None:
    """A server drops a connection that stays idle (the sink here is restarted): the worker opens
    a fresh one for a mail that comes more than MAX_IDLE_SECONDS after the last, and the mail
    goes at its first attempt instead of failing on the dead connection and waiting out a
    backoff."""
    [first] = queue_mails(1)
    drain_to(sink)
    assert OutboxMessage.objects.get(pk=first.pk).status == Status.DONE
    sink.stop()
    sink.start()
    # The kept connection sat idle for longer than the limit.
    emails._connections.used_at -= emails.MAX_IDLE_SECONDS + 1
    [second] = queue_mails(1)

    drain_to(sink)

    second.refresh_from_db()
    assert (second.status, second.attempts, second.last_error) == (Status.DONE, 1, "")
    assert sink.recorder.message_ids() == [emails.message_id(first), emails.message_id(second)]


def test_a_connection_lost_between_the_final_dot_and_the_reply_leaves_the_mail_to_send_again(
    sink: SmtpSink,
) -> None:
    """The seal marks the mail done right after its final "."; if the server then goes without
    answering, nobody knows whether it took the mail, and it is sent again (a duplicate rather
    than a lost mail, docs/background-work.md). The seal's answer is read whatever the SMTP
    reply does, so that the row can go back to pending and the database connection stays
    usable. Reading it only after a good reply passed every test: the row stayed "done" for a
    mail the server never accepted, and the connection was left with an unread answer."""

    async def vanish(server: Any, session: Any, envelope: Any) -> str:
        server.transport.close()  # gone before it stored or answered anything
        return "421 4.3.2 never sent"

    sink.recorder.handle_DATA = vanish  # type: ignore[method-assign]
    [mail] = queue_mails(1)

    drain_to(sink)

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Status.PENDING, 1)
    assert mail.last_error.startswith("SMTPServerDisconnected")
    assert sink.recorder.messages == []
    with connection.cursor() as cursor:  # the connection answers the next statement
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)

    del sink.recorder.handle_DATA  # the server is back
    OutboxMessage.objects.filter(pk=mail.pk).update(due_at=timezone.now())
    drain_to(sink)

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Status.DONE, 2)
    assert sink.recorder.message_ids() == [emails.message_id(mail)]


def test_a_transfer_link_reaches_its_recipient_and_is_erased_from_the_outbox_once_sent(
    guest: User, sink: SmtpSink
) -> None:
    """The transfer mail's link is the key to the booking (send_email's `secret`): "not kept in
    the outbox once sent", where staff can read payloads and the row stays OUTBOX_KEEP_DAYS.
    Not erasing it after the mail went passed every test."""
    booking = book(guest)
    deliver(sink)  # the confirmation and its announcements
    friend = UserFactory.create(email="friend@example.org")
    _transfer, secret = bookings.offer_transfer(
        guest=guest, reference=booking.reference, to_email=friend.email, now=timezone.now()
    )

    mails = deliver(sink)

    [offer] = [mail for mail in mails if mail["To"] == friend.email]
    assert secret in text_of(offer)
    [row] = OutboxMessage.objects.filter(kind=emails.KIND, payload__template="booking_transfer")
    assert row.status == Status.DONE
    assert row.payload["context"] == {}
    assert row.payload["secret"] == "erased"
    assert secret not in str(row.payload)


def test_a_refusal_is_permanent_only_when_every_recipient_is_refused_for_good() -> None:
    """smtplib raises SMTPRecipientsRefused when no recipient was taken; one of them refused
    for now (451) may take the mail later, so the mail is retried, not parked. Parking when
    any code was a 5xx passed every test (every mail we send has one recipient)."""
    mixed = smtplib.SMTPRecipientsRefused(
        {"a@x.org": (550, b"no such user"), "b@x.org": (451, b"later")}
    )
    final = smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"no"), "b@x.org": (553, b"no")})

    assert emails.is_permanent(mixed) is False
    assert emails.is_permanent(final) is True
    assert emails.is_permanent(smtplib.SMTPRecipientsRefused({})) is False
