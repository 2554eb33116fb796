"""With the cache down every nudge (one per queue per transaction that wrote to the outbox:
each booking, message, mail) logged "the cache is unreachable", and each relay task "nudge flag
stays": a warning per commit under load. The cache's outage is logged once when it begins, at
most once a minute while it lasts and once when it ends (outings.common.outage); every nudge
still publishes meanwhile, as before."""

import logging
import re
import socket

import pytest
from django.conf import settings
from django.test import override_settings

from outings.common import outage
from outings.common.outbox import tasks

pytestmark = pytest.mark.django_db


def refused_caches() -> dict[str, dict[str, object]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        pytest.skip("the services profile's Redis cache")
    refused = f"redis://127.0.0.1:{port}/0"
    return {name: {**config, "LOCATION": refused} for name, config in settings.CACHES.items()}


def outbox_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == tasks.__name__]


def test_nudges_while_the_cache_is_down_log_its_outage_once_and_its_end_once(
    nudges, caplog, monkeypatch
):
    monkeypatch.setattr(outage, "QUIET_SECONDS", 0.0)  # back at the first nudge that reaches it
    with caplog.at_level(logging.INFO), override_settings(CACHES=refused_caches()):
        for _ in range(100):
            tasks.nudge("urgent")
            tasks.relay("urgent")  # nothing due; it forgets the flag first
        down = outbox_lines(caplog)
    tasks.nudge("urgent")  # the cache is back

    assert nudges == ["urgent"] * 101  # every nudge published meanwhile, as before
    assert len(down) == 1, down
    assert down[0].startswith("outbox: the cache unavailable (ConnectionError: ")
    [back] = outbox_lines(caplog)[1:]
    assert re.fullmatch(
        r"outbox: the cache is back after \d+ s; 200 nudge flag reads and writes failed "
        r"meanwhile",
        back,
    )
