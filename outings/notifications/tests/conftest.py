from collections.abc import Iterator

import pytest
from django.test import override_settings

from outings.catalog.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    """Every test here records the relay's nudges (the root conftest's `nudges`)."""
    return nudges


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
