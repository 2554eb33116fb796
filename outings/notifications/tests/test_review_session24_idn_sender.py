"""Review of mail sent from an address on an internationalised domain (session 24). The site's
sender may be one (DEFAULT_FROM_EMAIL="Ausflüge <hallo@ausflüge.de>": the start takes it, and
Django writes its From with the domain's ASCII form, xn--ausflge-r2a.de). A mail's Message-ID
is made from the outbox row and the sender's domain, and took the domain as written: a header
that is not ASCII, which Django then wrote as a MIME encoded word
("=?utf-8?b?PG91dGJveC4x...?="), no Message-ID at all to a mail program (RFC 5322 3.6.4: a
msg-id is "<" id-left "@" id-right ">" of ASCII; RFC 2047 5: an encoded word is never one).
So the header that tells a repeated delivery of one mail for what it is (docs/
background-work.md, "Email: once") told nothing, for every mail, account mail too. The domain
now goes in its ASCII form, as in From.

Real PostgreSQL, the outbox relay run as a worker would, a real SMTP server (aiosmtpd)."""

import re
from email import message_from_bytes

import pytest
from django.core.mail import EmailMessage
from django.test import override_settings

from outings.accounts import mail
from outings.accounts.models import User
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.services import notify
from outings.notifications.tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db
SENDER = "Ausflüge <hallo@ausflüge.de>"
# RFC 5322's msg-id as ours are made: dot-atoms of ASCII letters, digits and dots.
MSG_ID = re.compile(r"<outbox\.(\d+)\.\d{14}@([A-Za-z0-9.-]+)>\Z")


def _received_ids(sink: SmtpSink) -> list[str]:
    emails._connections.discard()
    with sink.as_backend():
        relay.drain(queue="urgent", budget=5)
    emails._connections.discard()
    return [str(message_from_bytes(raw)["Message-ID"]) for raw in sink.recorder.messages]


@override_settings(DEFAULT_FROM_EMAIL=SENDER)
def test_a_mail_from_an_internationalised_domain_carries_an_ascii_message_id(
    guest: User, sink: SmtpSink
) -> None:
    notify(user=guest, kind="waitlist.closed", data={"listing": "Hafenrundgang"})
    queued = OutboxMessage.objects.get(kind=emails.KIND)

    (received,) = _received_ids(sink)

    found = MSG_ID.match(received)
    assert found is not None, received
    assert found.groups() == (str(queued.pk), "xn--ausflge-r2a.de")


@override_settings(DEFAULT_FROM_EMAIL=SENDER)
def test_account_mail_from_an_internationalised_domain_carries_an_ascii_message_id(
    sink: SmtpSink,
) -> None:
    queued = mail.enqueue_mail(
        EmailMessage(subject="Reset", body="link", from_email=SENDER, to=["b@example.org"])
    )

    (received,) = _received_ids(sink)

    assert received == f"<outbox.{queued.pk}.{queued.created_at:%Y%m%d%H%M%S}@xn--ausflge-r2a.de>"


def test_an_ascii_sender_domain_is_written_as_it_is(guest: User, sink: SmtpSink) -> None:
    notify(user=guest, kind="waitlist.closed", data={"listing": "Harbour walk"})

    (received,) = _received_ids(sink)

    found = MSG_ID.match(received)
    assert found is not None, received
    assert found.group(2) == "outings.localhost"
