"""Test support for code that writes to the outbox: the broker lies outside the test's process,
so tests record the relay's nudges instead of publishing them and deliver the due messages
themselves, as a worker would. The root conftest.py offers `record_nudges` as the `nudges`
fixture."""

import pytest

from outings.common.outbox import relay, tasks


def record_nudges(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the queue of every relay task published (`tasks.nudge`) instead of sending it."""
    sent: list[str] = []

    def apply_async(*, args: tuple[str], queue: str, retry: bool) -> None:
        assert args == (queue,)
        sent.append(queue)

    monkeypatch.setattr(tasks.relay, "apply_async", apply_async)
    return sent


def deliver(queue: str) -> None:
    """Run the outbox's due messages of `queue` here, as a worker would."""
    relay.drain(queue=queue, budget=10)
