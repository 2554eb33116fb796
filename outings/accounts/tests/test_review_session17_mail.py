"""Review (session 17): account mail (sign-up verification, password reset) was sent through
Django's mail.send() and marked done after the server's reply, so a worker killed between the
final "." and that reply sent the link twice. It now goes the way of every other mail
(emails.deliver_sealed): "done" is sent right after the final ".", before the reply is read
(docs/background-work.md, "Email: once"). Real outbox relay, real SMTP server (aiosmtpd)."""

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


@pytest.mark.django_db(transaction=True)
def test_account_mail_is_recorded_done_before_the_servers_reply(sink: SmtpSink) -> None:
    """The server reads the outbox row (another session) when the mail's data has arrived,
    before it replies: the row is already done."""
    queued = mail.enqueue_mail(
        EmailMessage(subject="Reset", body="link", from_email="a@example.org", to=["b@example.org"])
    )
    seen: list[str] = []
    accept = sink.recorder.handle_DATA

    async def look_then_reply(server: Any, session: Any, envelope: Any) -> str:
        other = other_connection()
        try:
            row = other.execute(
                "SELECT status FROM common_outboxmessage WHERE id = %s", [queued.pk]
            ).fetchone()
        finally:
            other.close()
        seen.append(row[0] if row else "")
        return await accept(server, session, envelope)

    sink.recorder.handle_DATA = look_then_reply  # type: ignore[method-assign]
    with sink.as_backend():
        relay.drain(queue="urgent", budget=5)

    assert seen == [OutboxMessage.Status.DONE]
    assert OutboxMessage.objects.get(pk=queued.pk).status == OutboxMessage.Status.DONE
    assert len(sink.recorder.messages) == 1
