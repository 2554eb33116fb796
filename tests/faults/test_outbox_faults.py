"""Nothing a committed transaction promised is lost, and no mail goes out twice, when a worker
is killed, SMTP is down, the broker is unreachable or a web process dies right after commit."""

import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import transaction

from outings.common.models import OutboxMessage
from outings.notifications import emails
from tests.faults.conftest import ROOT, wait_until

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("broker_url")]
Status = OutboxMessage.Status


def enqueue_mails(count: int, *, per_transaction: int = 100) -> set[str]:
    """Queue `count` mails in transactions of `per_transaction`; their expected Message-IDs."""
    for start in range(0, count, per_transaction):
        with transaction.atomic():
            for n in range(start, min(start + per_transaction, count)):
                emails.send_email(
                    to=f"guest{n}@example.com",
                    template="notification",
                    context={"kind": "listing.approved", "data": {"listing": f"Walk {n}"}},
                )
    return {emails.message_id(m) for m in OutboxMessage.objects.filter(kind=emails.KIND)}


def done_count() -> int:
    return OutboxMessage.objects.filter(kind=emails.KIND, status=Status.DONE).count()


def assert_each_delivered_once(sink, expected: set[str]) -> None:
    # "done" commits just before the final "." of each mail: give the last ones a moment to
    # arrive, then make sure nothing more does.
    try:
        wait_until(
            lambda: len(sink.recorder.messages) >= len(expected), timeout=10, sweep_every=None
        )
    except AssertionError:
        missing = expected - set(sink.recorder.message_ids())
        rows = OutboxMessage.objects.filter(pk__in=[int(m.split(".")[1]) for m in missing])
        print(
            "MISSING",
            [(r.pk, r.status, r.attempts, r.last_error, r.claimed_at, r.finished_at) for r in rows],
        )
        raise
    time.sleep(0.5)
    ids = sink.recorder.message_ids()
    assert len(ids) == len(expected), f"{len(ids) - len(set(ids))} duplicates"
    assert set(ids) == expected
    assert done_count() == len(expected)
    assert not OutboxMessage.objects.exclude(status=Status.DONE).exists()


def test_a_worker_killed_mid_batch_loses_no_mail_and_sends_none_twice(sink, start_worker):
    expected = enqueue_mails(1000)
    first = start_worker()
    wait_until(lambda: len(sink.recorder.messages) >= 250, timeout=60, sweep_every=None)

    first.kill_hard()  # kill -9, parent and pool children, mid-batch
    killed_at = len(sink.recorder.messages)
    start_worker()
    wait_until(lambda: done_count() == 1000, timeout=90)

    assert killed_at < 1000
    assert_each_delivered_once(sink, expected)
    recovered = OutboxMessage.objects.filter(attempts__gt=1).count()
    assert recovered <= 2  # at most the one message each pool process was on


def test_mail_waits_while_smtp_is_down_and_goes_out_once_when_it_returns(sink, start_worker):
    expected = enqueue_mails(1000)
    start_worker()
    wait_until(lambda: len(sink.recorder.messages) >= 200, timeout=60, sweep_every=None)

    sink.stop()
    stopped_at = len(sink.recorder.messages)

    def failed_attempt_recorded() -> bool:
        # A send while the server is down fails as "refused" or as a dropped connection,
        # depending on when it started; either way the message goes back to wait with its error.
        return (
            OutboxMessage.objects.filter(kind=emails.KIND, status=Status.PENDING)
            .exclude(last_error="")
            .exists()
            or OutboxMessage.objects.filter(attempts__gt=1).exists()
        )

    wait_until(failed_attempt_recorded, timeout=30, sweep_every=None)
    retried = failed_attempt_recorded()
    waiting = OutboxMessage.objects.filter(kind=emails.KIND, status=Status.PENDING).count()
    sink.start()
    wait_until(lambda: done_count() == 1000, timeout=90)

    assert stopped_at < 1000
    assert waiting > 0
    assert retried
    assert_each_delivered_once(sink, expected)


SCRIPT_PRELUDE = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from outings.notifications import emails
"""


def run_web_process(env: dict[str, str], body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT_PRELUDE + textwrap.dedent(body)],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_the_broker_unreachable_enqueueing_succeeds_and_the_sweep_delivers_later(
    sink, child_env, start_worker
):
    down = {**child_env, "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:1//"}

    result = run_web_process(
        down,
        """
        with transaction.atomic():
            for n in range(50):
                emails.send_email(to=f"g{n}@example.com", template="notification",
                                  context={"kind": "listing.approved", "data": {}})
        print("committed")
        """,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "committed"
    assert result.stderr.count("outbox: the broker unavailable") == 1
    assert OutboxMessage.objects.filter(status=Status.PENDING).count() == 50
    expected = {emails.message_id(m) for m in OutboxMessage.objects.all()}

    start_worker()  # the broker is back (the real one)
    wait_until(lambda: done_count() == 50, timeout=60)
    assert_each_delivered_once(sink, expected)


def test_a_web_process_killed_between_commit_and_its_nudge_loses_nothing(
    sink, child_env, start_worker
):
    worker = start_worker()

    result = run_web_process(
        child_env,
        """
        with transaction.atomic():
            # Runs first of the on-commit hooks: the process dies after COMMIT, before the nudge.
            transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
            for n in range(20):
                emails.send_email(to=f"g{n}@example.com", template="notification",
                                  context={"kind": "listing.approved", "data": {}})
        print("not reached")
        """,
    )

    assert result.returncode == -signal.SIGKILL
    assert OutboxMessage.objects.filter(status=Status.PENDING).count() == 20
    time.sleep(2)  # the worker is up, but no nudge was ever sent
    assert worker.process.poll() is None
    assert OutboxMessage.objects.filter(status=Status.PENDING).count() == 20
    assert sink.recorder.messages == []
    expected = {emails.message_id(m) for m in OutboxMessage.objects.all()}

    wait_until(lambda: done_count() == 20, timeout=60)  # the sweep delivers
    assert_each_delivered_once(sink, expected)


@pytest.fixture
def hung_broker() -> Iterator[str]:
    """A broker address that accepts connections and never answers (a broker hung, or a
    firewall that swallows the handshake): every publish waits for the connection timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"amqp://guest:guest@127.0.0.1:{server.getsockname()[1]}//"
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        server.close()


def test_with_the_broker_hung_only_one_commit_waits_for_it(sink, child_env, hung_broker):
    """docs/background-work.md: "an unreachable broker costs that request two seconds at most".
    A failed publish deleted the nudge flag ("the next commit tries again"), so while the broker
    hung every commit that queued a mail waited two seconds for it (ten bookings in a row: 20 s):
    a request blocked by background work, for as long as the outage lasted. Now a publish that
    failed after making its request wait marks the queues nudged for NUDGE_FLAG_SECONDS, and the
    commits meanwhile leave their rows to the sweep, as a lost nudge does."""
    result = run_web_process(
        {**child_env, "CELERY_BROKER_URL": hung_broker, "REDIS_URL": ""},
        """
        import time
        started = time.monotonic()
        for n in range(10):
            with transaction.atomic():
                emails.send_email(to=f"g{n}@example.com", template="notification",
                                  context={"kind": "listing.approved", "data": {}})
        print(f"{time.monotonic() - started:.1f}")
        """,
    )

    assert result.returncode == 0, result.stderr
    assert float(result.stdout.strip()) < 6, result.stderr
    assert result.stderr.count("outbox: the broker unavailable") == 1
    assert OutboxMessage.objects.filter(status=Status.PENDING).count() == 10
