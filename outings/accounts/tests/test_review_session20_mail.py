"""Review (session 20): account mail carries the Message-ID of its outbox row, as every other
mail does, so that each attempt of one mail is recognisably the same mail. Real outbox relay,
real SMTP server (aiosmtpd)."""

from email import message_from_bytes
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone

from outings.accounts import mail

# A fresh SMTP connection for each test, as there.
from outings.accounts.tests.test_review_session17_mail import _fresh_connections  # noqa: F401
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.tests.smtp_sink import SmtpSink


@pytest.mark.django_db(transaction=True)
def test_every_attempt_of_an_account_mail_carries_its_rows_message_id(sink: SmtpSink) -> None:
    """docs/background-work.md: a mail's Message-ID is derived from its outbox row, "every
    attempt of one mail carries the same one", which is what lets a mailbox (or the person
    reading it) see that a repeated delivery is one mail. Account mail (the password-reset and
    verification links, accounts.mail) was sent with a Message-ID Django made up anew at each
    attempt: a mail the server took after its final "." and then answered 451 (the seal undone,
    retried) reached the recipient as two different mails with two different links' worth of
    doubt."""
    queued = mail.enqueue_mail(
        EmailMessage(subject="Reset", body="link", from_email="a@example.org", to=["b@example.org"])
    )
    seen: list[str] = []
    accept = sink.recorder.handle_DATA

    async def later_then_accept(server: Any, session: Any, envelope: Any) -> str:
        seen.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        if len(seen) == 1:
            return "451 4.3.0 try again later"
        return await accept(server, session, envelope)

    sink.recorder.handle_DATA = later_then_accept  # type: ignore[method-assign]
    with sink.as_backend():
        relay.drain(queue="urgent", budget=5)
        assert OutboxMessage.objects.get(pk=queued.pk).status == OutboxMessage.Status.PENDING
        OutboxMessage.objects.filter(pk=queued.pk).update(due_at=timezone.now())
        relay.drain(queue="urgent", budget=5)

    queued.refresh_from_db()
    assert queued.status == OutboxMessage.Status.DONE
    assert seen == [emails.message_id(queued)] * 2
