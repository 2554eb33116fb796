import pytest

from outings.catalog.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    """Every test here records the relay's nudges (the root conftest's `nudges`)."""
    return nudges


@pytest.fixture(autouse=True)
def _in_memory_channel_layer(in_memory_channel_layer: None) -> None:
    """Every test here runs with the root conftest's in-memory channel layer."""


@pytest.fixture
def guest():
    return UserFactory.create(preferred_language="en", time_zone="UTC")


@pytest.fixture
def other():
    return UserFactory.create()
