"""With Redis down (refused, or hung past REDIS_TIMEOUT_SECONDS) the caches, the sessions and the
API's throttle counter logged a warning on every operation, most with a full traceback: under
load a log line per cache read, per signed-in request, per API call, which hid everything else.
Each now logs its outage once when it begins (with the error), at most once per
OUTAGE_LOG_SECONDS while it lasts (with how many operations failed so far), and once when it
ends (outings.common.outage, also the view counter's). What a caller gets meanwhile is as
before: a cache miss, the session from the database, the API request let through."""

import logging
import re
import socket
import threading
import time

import pytest
from django.conf import settings
from django.test import Client, override_settings

from outings.api import throttling
from outings.api.rates import Rate
from outings.catalog.tests.factories import UserFactory
from outings.common import outage
from outings.common.cache import get_or_compute
from outings.common.sessions import SessionStore

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="the services profile's Redis clients"),
]


@pytest.fixture(autouse=True)
def _ends_at_the_first_success(monkeypatch: pytest.MonkeyPatch) -> None:
    """An outage ends at the first operation that succeeds, not QUIET_SECONDS after the last
    failure (test_a_server_failing_on_and_off_is_one_outage keeps the real one)."""
    monkeypatch.setattr(outage, "QUIET_SECONDS", 0.0)


def closed_port() -> int:
    """A port on this machine that nothing listens on: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refused_caches() -> dict[str, dict[str, object]]:
    refused = f"redis://127.0.0.1:{closed_port()}/0"
    return {name: {**config, "LOCATION": refused} for name, config in settings.CACHES.items()}


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_cache_outage_is_logged_once_and_its_end_once(caplog):
    with caplog.at_level(logging.INFO), override_settings(CACHES=refused_caches()):
        values = [get_or_compute("outage:key", lambda: 42, 30) for _ in range(200)]
        down = warnings(caplog)
    assert get_or_compute("outage:key", lambda: 43, 30) == 43  # Redis is back

    assert values == [42] * 200
    assert len(down) == 1, down
    assert down[0].startswith("the cache unavailable (ConnectionError: ")
    [back] = warnings(caplog)[1:]
    assert re.fullmatch(
        r"the cache is back after \d+ s; 200 cache reads and writes failed meanwhile", back
    )
    assert not [r for r in caplog.records if r.exc_info]


def test_a_long_outage_is_logged_again_once_per_interval_with_what_failed(caplog, monkeypatch):
    monkeypatch.setattr(outage, "OUTAGE_LOG_SECONDS", 0.3)
    store = throttling.RedisCounter(f"redis://127.0.0.1:{closed_port()}/0")

    with caplog.at_level(logging.INFO):
        for _ in range(50):
            assert throttling.hit(ident="x", rate=Rate(0, 60), now=0.0, store=store) is None
        time.sleep(0.4)
        for _ in range(30):
            assert throttling.hit(ident="x", rate=Rate(0, 60), now=0.0, store=store) is None

    lines = warnings(caplog)
    assert len(lines) == 2, lines  # the outage's start; the first failure after the interval
    assert lines[0].startswith("the API's rate-limit store unavailable (ConnectionError: ")
    assert lines[0].endswith("API requests are let through without a rate limit until it is back")
    assert lines[1] == (
        "the API's rate-limit store still unavailable after 0 s; 51 requests let through so far"
    )


def test_api_requests_during_a_throttle_store_outage_log_it_once_and_its_end_once(caplog):
    client = Client()
    with caplog.at_level(logging.INFO):
        with override_settings(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"):
            statuses = {client.get("/api/v1/categories").status_code for _ in range(200)}
        down = [line for line in warnings(caplog) if "rate-limit store" in line]
        assert client.get("/api/v1/categories").status_code == 200  # Redis is back

    assert statuses == {200}  # let through, as before
    assert len(down) == 1, down
    [back] = [line for line in warnings(caplog) if "rate-limit store" in line][1:]
    assert re.fullmatch(
        r"the API's rate-limit store is back after \d+ s; 200 requests let through meanwhile",
        back,
    )


@pytest.mark.parametrize(
    ("signed_in", "outages"),
    [(True, ["the cache", "the session cache"]), (False, ["the cache", "the pages cache"])],
)
def test_pages_during_an_outage_log_each_outage_once(caplog, signed_in, outages):
    """The whole stack: the session, the page's cached values, the page cache (anonymous
    visitors), all on a Redis that refuses."""
    client = Client()
    if signed_in:
        client.force_login(UserFactory.create())
    with caplog.at_level(logging.INFO), override_settings(CACHES=refused_caches()):
        statuses = {client.get("/").status_code for _ in range(200)}
        down = warnings(caplog)
        signed_in_as = client.session.get("_auth_user_id")

    assert statuses == {200}
    assert (signed_in_as is not None) == signed_in
    assert sorted(line.split(" unavailable (")[0] for line in down) == outages, down


def test_sessions_during_an_outage_log_it_once_and_its_end_once(caplog):
    with caplog.at_level(logging.INFO), override_settings(CACHES=refused_caches()):
        for guest in range(100):
            store = SessionStore()
            store["guest"] = guest
            store.save()
            assert SessionStore(store.session_key).load() == {"guest": guest}
        down = warnings(caplog)
    # The two writes of each guest's new session failed (Django's create saves, then our save
    # writes again), and the first guest's `exists` of a new key: since session 22 the reads
    # then go to the database alone (SESSION_RETRY_SECONDS), four operations a guest before.
    store = SessionStore()
    store["guest"] = "back"
    store.save()

    assert len(down) == 1, down
    assert down[0].startswith("the session cache unavailable (ConnectionError: ")
    [back] = warnings(caplog)[1:]
    assert re.fullmatch(
        r"the session cache is back after \d+ s; 201 session cache operations failed meanwhile",
        back,
    )


def test_threads_failing_together_log_one_outage_and_count_every_failure(caplog):
    store = throttling.RedisCounter(f"redis://127.0.0.1:{closed_port()}/0")
    up = throttling.RedisCounter(settings.REDIS_URL)
    start = threading.Barrier(8)

    def call() -> None:
        start.wait()
        for _ in range(25):
            throttling.hit(ident="x", rate=Rate(0, 60), now=0.0, store=store)

    with caplog.at_level(logging.INFO):
        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        throttling.hit(ident="outage-threads", rate=Rate(10, 60), now=0.0, store=up)

    lines = warnings(caplog)
    assert len(lines) == 2, lines
    assert re.fullmatch(
        r"the API's rate-limit store is back after \d+ s; 200 requests let through meanwhile",
        lines[1],
    )


def test_a_hung_cache_is_one_outage_too(caplog):
    """A Redis that takes connections and never answers: each read waits REDIS_TIMEOUT_SECONDS,
    then misses, as before; the outage is one line, naming the timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        hung = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        caches = {name: {**config, "LOCATION": hung} for name, config in settings.CACHES.items()}
        with override_settings(CACHES=caches):
            values = [get_or_compute("outage:hung", lambda: 42, 30) for _ in range(3)]

    assert values == [42, 42, 42]
    [line] = warnings(caplog)
    assert line.startswith("the cache unavailable (TimeoutError: ")


def test_a_server_failing_on_and_off_is_one_outage(caplog, monkeypatch):
    """Operations that fail and succeed by turns (a Redis out of memory refuses writes and serves
    reads) were two lines per request here, an outage's end and a new one's start: an outage
    ends only with a success QUIET_SECONDS after the last failure."""
    monkeypatch.setattr(outage, "QUIET_SECONDS", 0.5)
    refused = throttling.RedisCounter(f"redis://127.0.0.1:{closed_port()}/0")
    up = throttling.RedisCounter(settings.REDIS_URL)

    with caplog.at_level(logging.INFO):
        for _ in range(100):
            throttling.hit(ident="x", rate=Rate(0, 60), now=0.0, store=refused)
            throttling.hit(ident="outage-flaps", rate=Rate(1000, 60), now=0.0, store=up)
        during = warnings(caplog)
        time.sleep(0.6)
        throttling.hit(ident="outage-flaps", rate=Rate(1000, 60), now=0.0, store=up)

    assert len(during) == 1, during
    assert re.fullmatch(
        r"the API's rate-limit store is back after \d+ s; 100 requests let through meanwhile",
        warnings(caplog)[1],
    )
    assert len(warnings(caplog)) == 2
