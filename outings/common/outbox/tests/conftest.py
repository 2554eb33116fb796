import pytest

from outings.common.outbox import tasks


@pytest.fixture(autouse=True)
def nudges(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The broker lies outside the process: record the relay tasks a test publishes instead."""
    sent: list[str] = []

    def apply_async(*, args: tuple[str], queue: str, retry: bool) -> None:
        assert args == (queue,)
        sent.append(queue)

    monkeypatch.setattr(tasks.relay, "apply_async", apply_async)
    return sent
