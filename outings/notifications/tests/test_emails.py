import asyncio
import smtplib
import time
from email.parser import BytesParser
from email.policy import default as default_policy

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings

from outings.catalog.tests.factories import UserFactory
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.notifications import emails, services
from outings.notifications.models import EmailPreferences
from outings.notifications.smtp import SealingSMTP
from outings.notifications.tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status
STARTS_AT = "2026-07-01T16:00:00+00:00"


def smtp_settings(sink: SmtpSink):
    return sink.as_backend()


def notify_booking(user):
    return services.notify(
        user=user,
        kind="booking.confirmed",
        data={"listing": "Harbour walk", "starts_at": STARTS_AT},
        url="/things-to-do/1/",
    )


def test_a_notification_mail_is_rendered_in_the_recipients_language_and_time_zone():
    user = UserFactory.create(first_name="Jörg", preferred_language="de", time_zone="Europe/Berlin")
    notify_booking(user)

    relay.drain(queue="urgent", budget=5)

    [sent] = mail.outbox
    assert sent.subject == "Buchung bestätigt: Harbour walk"
    assert sent.to == [user.email]
    assert "Hallo Jörg," in sent.body
    assert "1. Juli 2026 18:00" in sent.body  # 16:00 UTC is 18:00 in Berlin in summer
    assert isinstance(sent, EmailMultiAlternatives)
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert isinstance(html, str)
    assert "Buchung bestätigt" in html


def test_an_english_reader_in_toronto_reads_english_and_toronto_time(guest):
    guest.time_zone = "America/Toronto"
    guest.save()
    notify_booking(guest)

    relay.drain(queue="urgent", budget=5)

    [sent] = mail.outbox
    assert sent.subject == "Booking confirmed: Harbour walk"
    assert "July 1, 2026, noon" in sent.body


def test_the_message_id_comes_from_the_outbox_row_and_is_the_same_on_every_attempt(guest):
    notify_booking(guest)
    message = OutboxMessage.objects.get(kind=emails.KIND)

    first = emails.build(message)
    second = emails.build(message)

    assert first is not None
    assert second is not None
    expected = f"<outbox.{message.pk}.{message.created_at:%Y%m%d%H%M%S}@outings.localhost>"
    assert first.message()["Message-ID"] == second.message()["Message-ID"] == expected


def test_a_mail_carries_a_signed_one_click_unsubscribe_link(guest):
    notify_booking(guest)

    relay.drain(queue="urgent", budget=5)

    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert services.read_unsubscribe_token(token=token) == (guest.pk, "bookings")


def test_a_user_who_opted_out_before_the_mail_left_gets_nothing_and_the_message_is_done(guest):
    notify_booking(guest)
    EmailPreferences.objects.create(user=guest, bookings=False)

    relay.drain(queue="urgent", budget=5)

    assert mail.outbox == []
    assert OutboxMessage.objects.get(kind=emails.KIND).status == Status.DONE


def test_smtp_delivery_is_recorded_once_the_final_dot_is_written_before_the_reply(sink):
    """The seal runs once the final "." is written, without waiting for the server's reply. The
    server here answers only after it sees the seal (or after 5 s): a client that awaited the
    reply first would record "received" before "sealed". (Recording "received" as soon as the
    data arrived raced the client's own thread: the server could run first.)"""
    accept = sink.recorder.handle_DATA

    async def answer_after_the_seal(server, session, envelope):
        deadline = time.monotonic() + 5
        while "sealed" not in sink.recorder.events and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return await accept(server, session, envelope)

    sink.recorder.handle_DATA = answer_after_the_seal  # before connecting: aiosmtpd reads
    client = SealingSMTP("127.0.0.1", sink.port)  # its handler's hooks once per connection
    client.at_end_of_data = lambda: sink.recorder.events.append("sealed")

    client.sendmail("a@example.com", ["b@example.com"], b"Subject: hi\r\n\r\n.leading dot\r\n")
    client.quit()

    assert sink.recorder.events == ["sealed", "received"]  # the reply was not awaited
    assert sink.recorder.messages[0].endswith(b".leading dot\r\n")


def test_a_client_that_dies_before_the_final_dot_delivers_nothing(sink):
    client = SealingSMTP("127.0.0.1", sink.port)
    client.ehlo()
    client.mail("a@example.com")
    client.rcpt("b@example.com")
    client.putcmd("data")
    assert client.getreply()[0] == 354
    client.send(b"Subject: hi\r\n\r\nbody\r\n")
    client.close()  # the connection drops mid-DATA, as when a worker is killed

    assert sink.recorder.messages == []


def test_mail_through_smtp_is_sent_once_and_marked_done(sink, guest):
    notify_booking(guest)

    with smtp_settings(sink):
        relay.drain(queue="urgent", budget=5)
        emails._connections.discard()

    message = OutboxMessage.objects.get(kind=emails.KIND)
    assert message.status == Status.DONE
    assert sink.recorder.message_ids() == [emails.message_id(message)]
    parsed = BytesParser(policy=default_policy).parsebytes(sink.recorder.messages[0])
    assert parsed["Subject"] == "Booking confirmed: Harbour walk"


def test_a_mail_refused_after_the_final_dot_is_unsealed_and_retried(sink, guest):
    async def refuse(server, session, envelope):
        return "451 4.3.0 Try again later"

    sink.recorder.handle_DATA = refuse
    notify_booking(guest)

    with smtp_settings(sink):
        relay.drain(queue="urgent", budget=5)

    message = OutboxMessage.objects.get(kind=emails.KIND)
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.last_error.startswith("SMTPDataError: (451")


@override_settings(OUTBOX_RETRY_BASE_SECONDS=30)
def test_smtp_down_leaves_the_mail_pending_with_backoff(guest):
    notify_booking(guest)
    down = SmtpSink()  # a port nobody listens on

    with smtp_settings(down):
        relay.drain(queue="urgent", budget=5)

    message = OutboxMessage.objects.get(kind=emails.KIND)
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.last_error.startswith("ConnectionRefusedError")
    assert message.due_at > message.created_at


def test_a_permanent_refusal_parks_the_mail_at_once(sink, guest):
    sink.recorder.refuse_recipients = True
    notify_booking(guest)

    with smtp_settings(sink):
        relay.drain(queue="urgent", budget=5)

    message = OutboxMessage.objects.get(kind=emails.KIND)
    assert (message.status, message.attempts) == (Status.PARKED, 1)
    assert "PermanentFailure" in message.last_error
    assert sink.recorder.messages == []


def test_send_email_rejects_a_context_that_is_not_json(guest):
    with pytest.raises(TypeError):
        emails.send_email(to="x@example.com", template="notification", context={"x": object()})

    assert not OutboxMessage.objects.exists()


def test_smtp_errors_are_retryable_unless_permanent():
    assert emails.is_permanent(smtplib.SMTPRecipientsRefused({"a": (550, b"no")})) is True
    assert emails.is_permanent(smtplib.SMTPRecipientsRefused({"a": (451, b"later")})) is False
    assert emails.is_permanent(smtplib.SMTPServerDisconnected("gone")) is False
