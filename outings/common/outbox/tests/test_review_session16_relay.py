"""Session 16's mutation audit of the outbox: what the relay, the retry schedule, the nudges and
the staff retry promise (docs/background-work.md, "The outbox") and no test held them to. Each
test names the one-line change that used to pass the whole suite."""

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.admin.models import LogEntry
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from outings.accounts.models import User
from outings.common import outbox
from outings.common.models import Heartbeat, OutboxMessage
from outings.common.outbox import relay, tasks
from outings.common.outbox.relay import Outcome

Status = OutboxMessage.Status
pytestmark = pytest.mark.django_db
delivered: list[int] = []


class Down(Exception):
    pass


@outbox.handler("test.s16.plain", queue="slow", atomic=False, retry_on=(Down,), max_attempts=2)
def plain(message: OutboxMessage) -> None:
    if message.payload.get("down"):
        raise Down("downstream is down")
    if message.payload.get("bug"):
        raise KeyError("a malformed payload")
    if message.payload.get("slow"):
        raise SoftTimeLimitExceeded()  # what Celery raises in the task at its soft time limit
    delivered.append(message.pk)


@outbox.handler("test.s16.atomic", queue="slow", retry_on=(Down,))
def atomic(message: OutboxMessage) -> None:
    Heartbeat.objects.create(name=f"test-s16-{message.pk}", seen_at=timezone.now())
    if message.payload.get("down"):
        raise Down("downstream is down")


@pytest.fixture(autouse=True)
def _clear_delivered() -> None:
    delivered.clear()


def advisory_locks_held() -> set[int]:
    """The outbox message ids whose advisory lock this database session holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s"
            " AND pid = pg_backend_pid()",
            [relay.LOCK_CLASS],
        )
        return {int(objid) for (objid,) in cursor.fetchall()}


def test_a_drain_delivers_the_message_due_first_before_one_written_earlier():
    """The relay claims the oldest *due* message: one written later that fell due earlier (a
    retry whose backoff ended before the newer message came) goes first. Ordering the claim by
    id alone passed every test."""
    now = timezone.now()
    written_first = outbox.enqueue(kind="test.s16.plain", payload={})
    due_first = outbox.enqueue(kind="test.s16.plain", payload={})
    OutboxMessage.objects.filter(pk=written_first.pk).update(due_at=now - timedelta(seconds=5))
    OutboxMessage.objects.filter(pk=due_first.pk).update(due_at=now - timedelta(seconds=30))

    assert relay.drain(queue="slow", budget=5) is False

    assert delivered == [due_first.pk, written_first.pk]


@override_settings(OUTBOX_RETRY_BASE_SECONDS=10, OUTBOX_RETRY_MAX_SECONDS=3600)
def test_the_backoff_doubles_up_to_its_cap_and_each_delay_carries_at_most_20_percent_jitter():
    """Without the cap the 16th attempt of a mail would wait 91 hours, not one; without the
    jitter a burst of failures retries in step. Removing either passed every test. (Session 17:
    the cap bounds the delay with its jitter, so capped delays spread over its last sixth.)"""
    for attempts, low, high in [
        (1, 10, 12),
        (2, 20, 24),
        (5, 160, 192),
        (9, 2560, 3072),
        (10, 3000, 3600),
        (16, 3000, 3600),
    ]:
        delays = [relay.backoff(attempts).total_seconds() for _ in range(50)]

        assert all(low <= delay <= high for delay in delays), (attempts, delays)
        assert len(set(delays)) > 1, (attempts, delays)  # 50 equal draws: no jitter at all


def test_each_outcome_releases_the_messages_advisory_lock():
    """The lock is a session lock: one the relay kept would outlive the message, so that no other
    worker could claim a retried message again (its claim's pg_try_advisory_lock fails) and a
    long-lived worker would fill PostgreSQL's shared lock table, one lock per message. Not
    releasing it after the handler passed every test."""
    messages = [
        outbox.enqueue(kind="test.s16.plain", payload={}),
        outbox.enqueue(kind="test.s16.plain", payload={"down": True}),
        outbox.enqueue(kind="test.s16.plain", payload={"bug": True}),
        outbox.enqueue(kind="test.s16.atomic", payload={}),
        outbox.enqueue(kind="test.s16.atomic", payload={"down": True}),
    ]
    outcomes = []
    for message in messages:
        claimed = relay.claim(queue="slow", now=timezone.now())
        assert claimed is not None
        assert claimed.pk == message.pk
        assert advisory_locks_held() == {relay._lock_key(message.pk)}  # the claim took it

        outcomes.append(relay.process(claimed))

        assert advisory_locks_held() == set()
    assert outcomes == [Outcome.DONE, Outcome.RETRY, Outcome.PARKED, Outcome.DONE, Outcome.RETRY]


def test_staff_retry_of_a_message_waiting_out_its_backoff_makes_it_due_now(
    django_capture_on_commit_callbacks, nudges
):
    """retry_messages: "a fresh set of attempts, due now", pending messages included (the admin
    action offers them): a mail waiting an hour for its next attempt goes at once. Leaving its
    due time alone passed every test: it still waited the hour."""
    waiting = OutboxMessage.objects.create(
        kind="test.s16.plain",
        queue="slow",
        attempts=9,
        due_at=timezone.now() + timedelta(hours=1),
        last_error="Down: downstream is down",
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.retry_messages(message_ids=[waiting.pk]) == [waiting.pk]

    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (Status.PENDING, 0)
    assert waiting.due_at <= timezone.now()
    assert nudges == ["slow"]
    assert relay.drain(queue="slow", budget=5) is False
    assert delivered == [waiting.pk]


def test_the_admins_retry_logs_only_the_messages_it_retried(client, nudges):
    """Staff actions are logged (DESIGN.md invariant 7), and a log must not say that a delivered
    or running message was retried when it was left alone. Logging every selected message
    passed every test."""
    staff = User.objects.create_superuser(username="staff", email="s@example.com", password="x")
    parked = OutboxMessage.objects.create(
        kind="test.s16.plain", queue="slow", status=Status.PARKED, attempts=2
    )
    done = OutboxMessage.objects.create(kind="test.s16.plain", queue="slow", status=Status.DONE)
    running = OutboxMessage.objects.create(
        kind="test.s16.plain", queue="slow", status=Status.RUNNING, attempts=1
    )
    client.force_login(staff)

    response = client.post(
        "/admin/common/outboxmessage/",
        {"action": "retry", "_selected_action": [parked.pk, done.pk, running.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["1 message will be retried."]
    assert list(LogEntry.objects.values_list("object_id", "change_message")) == [
        (str(parked.pk), "Retried from the admin")
    ]
    assert [m.status for m in OutboxMessage.objects.order_by("pk")] == [
        Status.PENDING,
        Status.DONE,
        Status.RUNNING,
    ]


@override_settings(OUTBOX_DRAIN_SECONDS=0)
def test_a_relay_whose_time_is_up_hands_the_rest_to_a_fresh_task(nudges):
    """A relay task drains for OUTBOX_DRAIN_SECONDS, then nudges a fresh task for what is left:
    a backlog must not wait for the sweep (nor hold one task past its time limit). Not nudging
    passed every test."""
    message = outbox.enqueue(kind="test.s16.plain", payload={})

    tasks.relay("slow")

    assert nudges == ["slow"]
    assert OutboxMessage.objects.get(pk=message.pk).status == Status.PENDING


def test_a_message_due_already_nudges_its_queue_after_commit(
    django_capture_on_commit_callbacks, nudges
):
    """`enqueue` with a due time that has come (a lapse due at an instant already past) is due
    work like any other: nudged at commit, not left for the sweep. Nudging only messages
    without a due time passed every test."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.enqueue(
            kind="test.s16.plain", payload={}, due_at=timezone.now() - timedelta(seconds=1)
        )
        assert nudges == []

    assert nudges == ["slow"]


def test_a_handler_stopped_by_the_soft_time_limit_is_retried_not_parked():
    """docs/background-work.md: "The soft limit raises inside the task (an outbox message is
    then retried)": a slow downstream (an SMTP server that answers in minutes) is a reason to
    wait, not a bug for staff, whatever exceptions the handler declares. Not counting
    SoftTimeLimitExceeded as retryable passed every test: the message was parked at once."""
    message = outbox.enqueue(kind="test.s16.plain", payload={"slow": True})

    relay.drain(queue="slow", budget=5)

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.PENDING, 1)
    assert message.due_at > timezone.now()
    assert message.last_error.startswith("SoftTimeLimitExceeded")


def test_the_sweep_lets_go_of_what_it_recovers():
    """The sweep takes a running message's advisory lock to learn that its worker died; kept,
    the recovered message could be claimed by no relay in another session (its claim's
    pg_try_advisory_lock fails) for as long as the sweeping worker's connection lives, and a
    pooled connection lives on. Not releasing it passed every test."""
    message = OutboxMessage.objects.create(
        kind="test.s16.plain", queue="slow", payload={}, status=Status.RUNNING, attempts=1
    )

    assert relay.recover_abandoned(now=timezone.now()) == 1

    assert advisory_locks_held() == set()
    message.refresh_from_db()
    assert message.status == Status.PENDING
