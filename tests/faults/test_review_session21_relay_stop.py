"""A worker asked to stop (SIGTERM to its main process: a deploy, `docker stop`, systemd with
KillMode=mixed) lets each relay finish the message it is on, then claims nothing more: the
messages it has not claimed are left pending for the next worker, and a relay task is left for
it. Until session 21 a pool process's relay went on claiming for up to its 20 s budget
(OUTBOX_DRAIN_SECONDS) after the worker was told to stop: the stop waited for the whole drain,
and a process manager that kills after a few seconds cut a relay off in the middle of a mail."""

import signal

import pytest

from outings.common.models import OutboxMessage
from tests.faults.conftest import wait_until
from tests.faults.test_outbox_faults import assert_each_delivered_once, done_count, enqueue_mails

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("broker_url")]
Status = OutboxMessage.Status
# The worker's pool processes (--concurrency 2): each may finish the mail it is on, and one it
# claimed as the signal came.
AT_MOST_AFTER_THE_STOP = 2 * 2
# How long the server takes to answer each mail until the stop: far longer than the signal takes
# to reach the pool processes, however busy the machine, so that the count above holds.
SLOW_SERVER = 0.05


def test_a_stopping_worker_claims_no_more_mail_and_leaves_the_rest_to_the_next(
    sink, start_worker
) -> None:
    expected = enqueue_mails(400)
    sink.recorder.delay = SLOW_SERVER
    first = start_worker()
    wait_until(lambda: len(sink.recorder.messages) >= 20, timeout=60, sweep_every=None)

    first.process.send_signal(signal.SIGTERM)  # the main process alone, as a deploy stops it
    stopped_at = len(sink.recorder.messages)
    assert first.process.wait(timeout=30) == 0
    sink.recorder.delay = 0.0

    after_the_stop = len(sink.recorder.messages) - stopped_at
    assert after_the_stop <= AT_MOST_AFTER_THE_STOP, (
        f"{after_the_stop} mails sent after the worker was told to stop"
    )
    assert not OutboxMessage.objects.filter(status__in=[Status.RUNNING, Status.PARKED]).exists()
    left = OutboxMessage.objects.filter(status=Status.PENDING)
    assert left.count() == 400 - done_count()
    assert not left.exclude(attempts=0).exists()  # none claimed and put back: never touched

    start_worker()  # the relay task the stopping worker left takes it from there, no sweep
    wait_until(lambda: done_count() == 400, timeout=90, sweep_every=None)
    assert_each_delivered_once(sink, expected)
