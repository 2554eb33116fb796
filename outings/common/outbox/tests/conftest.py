import pytest


@pytest.fixture(autouse=True)
def _nudges(nudges: list[str]) -> list[str]:
    """Every test here records the relay's nudges (the root conftest's `nudges`)."""
    return nudges
