"""A mail sent on the SMTP connection kept open from the previous one, which the server had
closed meanwhile (its idle timeout, shorter than our MAX_IDLE_SECONDS; a restart), failed with
SMTPServerDisconnected before the server took anything of it: the mail waited for its retry
delay, and the rest of the drain's mail with it (a retryable failure passes over its kind).
It is now sent again at once on a new connection; only once, and never after its final "."."""

import select
import socket
import time

import pytest

from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def mail_to(address: str) -> None:
    UserFactory.create(email=address)
    emails.send_email(
        to=address,
        template="notification",
        context={"kind": "listing.approved", "data": {"listing": "Harbour walk"}},
    )


def _closed_by_the_server(connections: emails._Connections) -> bool:
    """Whether the server has closed the SMTP connection kept open for the next mail: its socket
    reads the end of the stream (aiosmtpd's idle timeout closes it without a word)."""
    kept = getattr(connections.backend, "connection", None)
    assert kept is not None, "no connection was kept open"
    sock: socket.socket = kept.sock
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""


def test_a_kept_connection_the_server_closed_is_replaced_at_once(sink: SmtpSink) -> None:
    sink.stop()
    sink.start(idle_timeout=0.3)
    emails._connections.discard()
    with sink.as_backend():
        mail_to("first@example.org")
        relay.drain(queue="urgent", budget=5)  # its connection is kept for the next mail
        # The server closes it meanwhile: waited for, where a fixed 0.8 s on a busy machine
        # could end before it did, and the mails below then went out on the open connection.
        deadline = time.monotonic() + 30
        while not _closed_by_the_server(emails._connections):
            assert time.monotonic() < deadline, "the server kept the connection open"
            time.sleep(0.05)
        for n in range(3):
            mail_to(f"guest{n}@example.org")
        relay.drain(queue="urgent", budget=5)
    emails._connections.discard()

    rows = OutboxMessage.objects.filter(kind=emails.KIND).order_by("pk")
    assert [(row.status, row.attempts) for row in rows] == [(Status.DONE, 1)] * 4
    assert len(sink.recorder.messages) == 4


def test_a_connection_refused_again_is_retried_later_as_before(sink: SmtpSink) -> None:
    """One new connection at once, not a loop: a server that is gone leaves the mail to wait."""
    emails._connections.discard()
    with sink.as_backend():
        mail_to("first@example.org")
        relay.drain(queue="urgent", budget=5)
        sink.stop()  # the kept connection is closed, and the server is gone
        mail_to("second@example.org")
        relay.drain(queue="urgent", budget=5)
    emails._connections.discard()

    second = OutboxMessage.objects.filter(kind=emails.KIND).order_by("pk").last()
    assert second is not None
    assert (second.status, second.attempts) == (Status.PENDING, 1)
    assert "Connection refused" in second.last_error or "111" in second.last_error
