"""Session 18's review of the outbox: what `sealer` checks before a side effect, and what the
admin's retry logs (docs/background-work.md, "The outbox" and "Email: once"). The database
session is ended for real, by another session."""

import os
import resource
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from outings.accounts.models import User
from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.common.outbox import relay
from outings.common.tests.connections import in_thread, other_connection, until_waiting

Status = OutboxMessage.Status
effects: list[int] = []  # what the handler below did, by message id


def end_this_session() -> None:
    """End this connection's database session as a server restart would, and wait until it
    is gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


@outbox.handler("test.s18.effect", queue="slow", atomic=False)
def effect(message: OutboxMessage) -> None:
    """An effect sealed at its point of no return, as mail is after its final "." (the list
    stands for the SMTP server). On its first attempt the database session ends while the
    effect is being prepared, after the handler's last query."""
    if message.attempts == 1:
        end_this_session()
    fire = outbox.sealer(message)
    effects.append(message.pk)
    fire()()


@pytest.fixture(autouse=True)
def _fresh_connection() -> Iterator[None]:
    effects.clear()
    yield
    if connection.connection is not None and not connection.is_usable():
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_session_that_ended_before_the_effect_is_found_before_it_not_after(nudges):
    """`sealer` said it checked the connection before the side effect; it only opened one
    that was not open. A session that PostgreSQL had ended (a restart) was found by the seal,
    after the effect: retried, the effect happened twice. The check finds it before: nothing
    happens on the lost session, and the retry does the effect once."""
    message = outbox.enqueue(kind="test.s18.effect", payload={})

    relay.drain(queue="slow", budget=5)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.last_error.startswith("OperationalError")
    assert effects == []

    OutboxMessage.objects.filter(pk=message.pk).update(due_at=timezone.now())
    relay.drain(queue="slow", budget=5)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.DONE, 2)
    assert effects == [message.pk]


@pytest.mark.django_db(transaction=True)
def test_sealer_refuses_a_session_that_has_ended():
    message = outbox.enqueue(kind="test.s18.effect", payload={})
    end_this_session()

    with pytest.raises(OperationalError):
        outbox.sealer(message)


@pytest.mark.django_db(transaction=True)
def test_sealer_opens_a_connection_that_is_not_open_and_seals_on_it(nudges):
    message = outbox.enqueue(kind="test.s18.effect", payload={})
    claimed = relay.claim(queue="slow", now=timezone.now())
    assert claimed is not None
    assert claimed.pk == message.pk
    relay._unlock(claimed.pk)
    connection.close()

    relay.seal(claimed)()

    assert OutboxMessage.objects.get(pk=message.pk).status == Status.DONE


@pytest.fixture
def files_beyond_select() -> Iterator[Callable[[], None]]:
    """Opens (when called) so many files that the next socket's number is over 1,023,
    select(2)'s ceiling (FD_SETSIZE), as in a worker process that holds many connections and
    files; a new socket takes the lowest free number. The process's limit is raised within
    its hard limit if it needs to be."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    opened: list[int] = []

    def fill() -> None:
        if soft < 1200:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(2048, hard), hard))
        while not opened or opened[-1] < 1030:
            opened.append(os.open(os.devnull, os.O_RDONLY))

    yield fill
    for fd in opened:
        os.close(fd)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.django_db(transaction=True)
def test_a_seal_works_on_a_connection_whose_socket_number_is_over_1023(nudges, files_beyond_select):
    """The seal checked the session, and waited for the answer, with select(2), which takes no
    file descriptor over 1,023: in a process with that many files open (the whole test suite
    got there) every seal raised ValueError ("filedescriptor out of range in select()") after
    the mail had gone, and the message was parked as if its handler had failed."""
    message = outbox.enqueue(kind="test.s18.effect", payload={})
    claimed = relay.claim(queue="slow", now=timezone.now())
    assert claimed is not None
    relay._unlock(claimed.pk)
    connection.close()
    # A new connection, not the pooled one (the PostgreSQL backend's pool, when there is one).
    getattr(connection, "close_pool", lambda: None)()
    files_beyond_select()
    connection.ensure_connection()
    assert connection.connection.pgconn.socket > 1023

    relay.seal(claimed)()

    assert OutboxMessage.objects.get(pk=message.pk).status == Status.DONE


@pytest.mark.django_db(transaction=True)
def test_the_admins_retry_logs_the_messages_it_retried_not_those_it_read(nudges):
    """The action read the parked and pending messages among those selected, then retried them
    under a lock: a message that a worker claimed in between (a pending one whose backoff
    ended) was left alone, rightly, but the log said it was retried from the admin (DESIGN.md
    invariant 7: staff actions are logged, and truly). The worker's claim is made here by
    another session, between the action's read and its lock."""
    staff = User.objects.create_superuser(username="staff", email="s@example.com", password="x")
    waiting = OutboxMessage.objects.create(
        kind="test.s18.effect", queue="slow", status=Status.PENDING, attempts=2
    )
    parked = OutboxMessage.objects.create(
        kind="test.s18.effect", queue="slow", status=Status.PARKED, attempts=3
    )
    client = Client()
    client.force_login(staff)
    worker = other_connection()
    worker.execute("SELECT 1 FROM common_outboxmessage WHERE id = %s FOR UPDATE", [waiting.pk])
    outcome: dict[str, Any] = {}
    action = in_thread(
        outcome,
        "response",
        lambda: client.post(
            "/admin/common/outboxmessage/",
            {"action": "retry", "_selected_action": [waiting.pk, parked.pk]},
            follow=True,
        ),
    )
    try:
        until_waiting(1)  # the action has read both and waits for the claimed one's lock
        worker.execute(
            "UPDATE common_outboxmessage SET status = 'running', attempts = attempts + 1"
            " WHERE id = %s",
            [waiting.pk],
        )
        worker.commit()
        action.join(10)
    finally:
        worker.close()

    response = outcome["response"]
    assert not isinstance(response, Exception), response
    assert [str(m) for m in response.context["messages"]] == ["1 message will be retried."]
    assert list(LogEntry.objects.values_list("object_id", "change_message")) == [
        (str(parked.pk), "Retried from the admin")
    ]
    assert [(m.pk, m.status) for m in OutboxMessage.objects.order_by("pk")] == [
        (waiting.pk, Status.RUNNING),
        (parked.pk, Status.PENDING),
    ]
