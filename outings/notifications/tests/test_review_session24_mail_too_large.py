"""Review of a mail larger than the mail server takes (session 24). A server that limits the
size of a message says so in its EHLO (SIZE, RFC 1870), smtplib then gives the mail's size
with MAIL FROM, and the server refuses a larger one there, before any of it is sent: "552
message size exceeds fixed maximum message size", for good. That refusal came as smtplib's
SMTPSenderRefused, which the mail backend read as a refusal of our session (a rotated
password, our sender address), so the mail was retried with backoff 16 times over about seven
hours, and each time it came due the drain passed over every other mail behind it (they waited
for the sweep). It is now parked at once, with the server's answer, as a 5xx to the mail's
data is; the drain's other mail goes on. A temporary refusal there (452, the server short of
storage) still waits with backoff.

Real PostgreSQL, the outbox relay run as a worker would, a real SMTP server (aiosmtpd) with
its size limit."""

from typing import Any

import pytest

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails
from outings.notifications.services import notify
from outings.notifications.tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status
LIMIT = 40_000  # bytes: an ordinary notice's mail is a few thousand


def _drain(sink: SmtpSink) -> None:
    emails._connections.discard()
    with sink.as_backend():
        relay.drain(queue="urgent", budget=5)
    emails._connections.discard()


def _notify(user: User, *, listing: str) -> OutboxMessage:
    notify(user=user, kind="waitlist.closed", data={"listing": listing})
    return OutboxMessage.objects.filter(kind=emails.KIND).latest("id")


def test_a_mail_larger_than_the_server_takes_is_parked_at_once_and_the_rest_goes(
    sink: SmtpSink,
) -> None:
    sink.stop()
    sink.start(size_limit=LIMIT)
    # The title is in the subject, the text and the HTML: well over the limit.
    large = _notify(UserFactory.create(email="large@example.org"), listing="Harbour walk " * 2000)
    ordinary = [
        _notify(UserFactory.create(email=f"guest{n}@example.org"), listing="Harbour walk")
        for n in range(2)
    ]

    _drain(sink)

    large.refresh_from_db()
    assert large.status == Status.PARKED
    assert large.attempts == 1
    assert "552" in large.last_error
    assert "size" in large.last_error
    for message in ordinary:
        message.refresh_from_db()
        assert message.status == Status.DONE
    assert len(sink.recorder.messages) == 2


def test_a_server_short_of_storage_for_now_has_the_mail_wait_with_backoff(
    sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def short_of_storage(*arguments: Any) -> str:
        return "452 4.3.1 Insufficient system storage"

    monkeypatch.setattr(sink.recorder, "handle_MAIL", short_of_storage)
    message = _notify(UserFactory.create(email="guest@example.org"), listing="Harbour walk")

    _drain(sink)

    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "452" in message.last_error
