from collections.abc import Iterator

import pytest
from django.test import override_settings

from outings.common.outbox import tasks
from outings.notifications.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def nudges(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The broker lies outside the process: record the relay tasks a test publishes instead."""
    sent: list[str] = []
    monkeypatch.setattr(
        tasks.relay, "apply_async", lambda *, args, queue, retry: sent.append(queue)
    )
    return sent


@pytest.fixture(autouse=True)
def _in_memory_channel_layer() -> Iterator[None]:
    """One process, so the in-memory layer sees every event; the cross-process layers are
    exercised by tests/faults/test_live_across_processes.py."""
    with override_settings(
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    ):
        yield


@pytest.fixture
def guest():
    return UserFactory.create(preferred_language="en", time_zone="UTC")


@pytest.fixture
def other():
    return UserFactory.create()
