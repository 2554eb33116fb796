"""Session 17's review of mail delivery: what a refusal of one recipient and a database
connection lost at the seal do to the queue (docs/background-work.md, "Email: once"). Mail goes
through the real outbox relay to a real SMTP server (aiosmtpd, the `sink` fixture); the database
connection is lost for real (its backend ended by another session)."""

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from outings.accounts.models import User
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.common.tests.connections import other_connection
from outings.notifications import emails
from outings.notifications.models import Notification
from outings.notifications.tests.smtp_sink import SmtpSink

Status = OutboxMessage.Status
NOTICE = "test.s17.notice"  # a notice whose mail is marked sent once it went (emails.holds)
emails.holds(NOTICE)(lambda data: True)


def queue_mail(to: str, **extra: Any) -> OutboxMessage:
    return emails.send_email(
        to=to,
        template="notification",
        context={"kind": "listing.approved", "data": {"listing": "x"}, "url": ""},
        **extra,
    )


def drain_to(sink: SmtpSink) -> None:
    with sink.as_backend():
        relay.drain(queue="urgent", budget=5)


def backend_pid() -> int:
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return int(pid)


def end_session(other: psycopg.Connection, pid: int) -> None:
    """End the worker's database session as a server restart or a dropped link would, and wait
    until it is gone (PostgreSQL releases its locks then)."""
    other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


@pytest.fixture(autouse=True)
def _fresh_connections() -> Iterator[None]:
    """No SMTP connection kept from another test; a database connection that a test lost is
    replaced before the test database is cleaned."""
    emails._connections.discard()
    yield
    emails._connections.discard()
    if connection.connection is not None and connection.connection.closed:
        connection.close()


@pytest.mark.django_db
def test_a_recipient_refused_for_now_does_not_hold_back_the_other_mails_of_the_drain(
    sink: SmtpSink,
) -> None:
    """A 4xx to one recipient ("450 mailbox busy", greylisting) is about that mail: the server
    takes the others meanwhile. It used to pass over every other mail of the drain as if SMTP
    were down, so that they waited for the next sweep."""
    accept = sink.recorder.handle_RCPT

    async def busy(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address == "busy@example.org":
            return "450 4.2.1 Mailbox busy, try again later"
        return await accept(server, session, envelope, address, options)

    sink.recorder.handle_RCPT = busy  # type: ignore[method-assign]
    refused = queue_mail("busy@example.org")
    others = [queue_mail("one@example.org"), queue_mail("two@example.org")]

    drain_to(sink)

    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (Status.PENDING, 1)
    assert refused.due_at > timezone.now()
    assert refused.last_error.startswith("SMTPRecipientsRefused")
    assert [OutboxMessage.objects.get(pk=m.pk).status for m in others] == [Status.DONE] * 2
    assert sink.recorder.message_ids() == [emails.message_id(m) for m in others]


@pytest.mark.django_db(transaction=True)
def test_a_seal_lost_with_its_database_connection_is_retried_not_parked(sink: SmtpSink) -> None:
    """The seal's UPDATE reached PostgreSQL, but the session ended before it committed (it waited
    on a row lock here) and its answer can never be read: psycopg, not Django, raises the
    OperationalError. The mail is retried like any other lost connection: the row goes back to
    pending (the mail goes again, as after a worker killed between the "." and the seal), the
    relay records that on a new connection and goes on. It was handled as a bug of the handler:
    logged as parked, and the drain died on the lost connection."""
    mail = queue_mail("guest@example.org")
    pid = backend_pid()
    locker = other_connection()
    killer = other_connection()
    killer.autocommit = True
    accept_rcpt = sink.recorder.handle_RCPT
    accept_data = sink.recorder.handle_DATA

    async def lock_row(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        # Claimed and committed by now: the seal will wait for this lock.
        locker.execute("SELECT 1 FROM common_outboxmessage WHERE id = %s FOR UPDATE", [mail.pk])
        return await accept_rcpt(server, session, envelope, address, options)

    async def lose_session(server: Any, session: Any, envelope: Any) -> str:
        end_session(killer, pid)
        locker.rollback()
        return await accept_data(server, session, envelope)

    sink.recorder.handle_RCPT = lock_row  # type: ignore[method-assign]
    sink.recorder.handle_DATA = lose_session  # type: ignore[method-assign]
    try:
        drain_to(sink)
    finally:
        locker.close()
        killer.close()

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Status.PENDING, 1)
    assert mail.last_error.startswith("OperationalError")
    assert mail.due_at > timezone.now()
    assert sink.recorder.message_ids() == [emails.message_id(mail)]


@pytest.mark.django_db(transaction=True)
def test_a_seal_that_committed_before_its_answer_was_lost_is_not_undone(sink: SmtpSink) -> None:
    """The seal committed and then the session ended, before the relay read the end of the
    answer. The mail went and its row says so: retrying the lost connection must not put the row
    back to pending, which would send the mail a second time, outside the one-SMTP-exchange
    window that docs/background-work.md promises."""
    mail = queue_mail("guest@example.org")
    pid = backend_pid()
    watcher = other_connection()
    watcher.autocommit = True
    accept_data = sink.recorder.handle_DATA

    async def lose_session_after_seal(server: Any, session: Any, envelope: Any) -> str:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            sealed = watcher.execute(
                "SELECT status FROM common_outboxmessage WHERE id = %s", [mail.pk]
            ).fetchone()
            idle = watcher.execute(
                "SELECT state FROM pg_stat_activity WHERE pid = %s", [pid]
            ).fetchone()
            if sealed == ("done",) and idle == ("idle",):
                break
            time.sleep(0.01)
        end_session(watcher, pid)
        return await accept_data(server, session, envelope)

    sink.recorder.handle_DATA = lose_session_after_seal  # type: ignore[method-assign]
    try:
        drain_to(sink)
        OutboxMessage.objects.filter(pk=mail.pk).update(due_at=timezone.now())
        drain_to(sink)
    finally:
        watcher.close()

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Status.DONE, 1)
    assert sink.recorder.message_ids() == [emails.message_id(mail)]


@pytest.mark.django_db(transaction=True)
def test_a_mail_that_went_is_not_sent_again_when_recording_it_afterwards_fails(
    guest: User, sink: SmtpSink
) -> None:
    """After the seal, the mail of a notice marks the notice's mail sent (emails.holds). That
    UPDATE can fail (here a lock timeout: another transaction holds the notice's row) with an
    OperationalError, which the relay retries: the sealed row went back to pending and the
    guest got the mail twice."""
    notice = Notification.objects.create(
        user=guest, kind=NOTICE, data={}, created_at=timezone.now()
    )
    mail = queue_mail(guest.email, notice={"kind": NOTICE, "id": notice.pk, "data": {}})
    holder = other_connection()
    holder.execute("SELECT 1 FROM notifications_notification WHERE id = %s FOR UPDATE", [notice.pk])
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        drain_to(sink)
        holder.rollback()
        OutboxMessage.objects.filter(pk=mail.pk).update(due_at=timezone.now())
        drain_to(sink)
    finally:
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (Status.DONE, 1)
    assert sink.recorder.message_ids() == [emails.message_id(mail)]
