"""Review (session 17): account mail (sign-up verification, password reset) was sent through
Django's mail.send() and marked done after the server's reply, so a worker killed between the
final "." and that reply sent the link twice. It now goes the way of every other mail
(emails.deliver_sealed): "done" is sent right after the final ".", before the reply is read
(docs/background-work.md, "Email: once"). Real outbox relay, real SMTP server (aiosmtpd)."""

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.mail import EmailMessage

from outings.accounts import mail
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.common.tests.connections import other_connection
from outings.notifications import emails
from outings.notifications.tests.smtp_sink import SmtpSink


@pytest.fixture(autouse=True)
def _fresh_connections() -> Iterator[None]:
    emails._connections.discard()
    yield
    emails._connections.discard()


# How long the server holds its reply waiting for the row to be done. The relay sends "done"
# right after the final ".", without waiting for the reply, so the row is done within
# milliseconds; a relay that waited for the reply first would never get it while the server
# waits, and the row would still be running when the server gives up.
SEAL_WAIT_SECONDS = 5.0


@pytest.mark.django_db(transaction=True)
def test_account_mail_is_recorded_done_before_the_servers_reply(sink: SmtpSink) -> None:
    """The server reads the outbox row (another session) once the mail's data has arrived and
    holds its reply until the row is done: it is, without the reply. (Reading it once, at once,
    raced the relay's UPDATE, sent at the same moment: on a busy machine the server could read
    first and see the row still running.)"""
    queued = mail.enqueue_mail(
        EmailMessage(subject="Reset", body="link", from_email="a@example.org", to=["b@example.org"])
    )
    seen: list[str] = []
    accept = sink.recorder.handle_DATA

    async def wait_for_the_seal_then_reply(server: Any, session: Any, envelope: Any) -> str:
        other = other_connection()
        try:
            deadline = time.monotonic() + SEAL_WAIT_SECONDS
            while True:
                row = other.execute(
                    "SELECT status FROM common_outboxmessage WHERE id = %s", [queued.pk]
                ).fetchone()
                status = row[0] if row else ""
                if status == OutboxMessage.Status.DONE or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.01)
        finally:
            other.close()
        seen.append(status)
        return await accept(server, session, envelope)

    sink.recorder.handle_DATA = wait_for_the_seal_then_reply  # type: ignore[method-assign]
    with sink.as_backend():
        relay.drain(queue="urgent", budget=5)

    assert seen == [OutboxMessage.Status.DONE]
    assert OutboxMessage.objects.get(pk=queued.pk).status == OutboxMessage.Status.DONE
    assert len(sink.recorder.messages) == 1
