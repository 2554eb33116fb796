import pickle
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import override_settings

from outings.api import throttling
from outings.api.rates import Rate
from outings.api.tests.helpers import bearer, error_of
from outings.api.throttling import CacheCounter, Counter, RedisCounter, hit

pytestmark = pytest.mark.django_db

TIGHT = {"anon": "2/min", "user": "3/min"}
# Ten seconds into a minute: a test's requests all fall in one window, however slowly they run
# (with the real clock, a minute that turned between two of them reset the count).
FROZEN_NOW = 1_800_000_010.0


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: FROZEN_NOW))


def test_rates_parse_from_settings_strings():
    assert Rate.parse("120/min") == Rate(limit=120, period=60)
    assert Rate.parse("5/s") == Rate(limit=5, period=1)
    assert Rate.parse("1000/day") == Rate(limit=1000, period=86400)


@override_settings(API_THROTTLE_RATES=TIGHT)
def test_anonymous_callers_are_limited_per_ip_address(client):
    statuses = [client.get("/api/v1/categories").status_code for _ in range(3)]
    other_ip = client.get("/api/v1/categories", REMOTE_ADDR="10.0.0.2")

    assert statuses == [200, 200, 429]
    assert other_ip.status_code == 200


@override_settings(API_THROTTLE_RATES=TIGHT)
def test_a_throttled_call_is_a_429_in_the_shape_with_retry_after(client):
    for _ in range(2):
        client.get("/api/v1/categories")

    response = client.get("/api/v1/categories")

    assert response.status_code == 429
    assert error_of(response)["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


@override_settings(API_THROTTLE_RATES=TIGHT)
def test_a_users_tokens_and_session_share_one_allowance(client, guest, token_for, host_user):
    """Up to 50 tokens a user may mint, each of them a request: counted per token, they were 50
    allowances (and the session one more)."""
    first, second = token_for(guest), token_for(guest)
    client.force_login(guest)

    statuses = [client.get("/api/v1/me", **bearer(first)).status_code for _ in range(2)]
    other_token = client.get("/api/v1/me", **bearer(second))
    session = client.get("/api/v1/me")
    another_user = client.get("/api/v1/me", **bearer(token_for(host_user)))

    assert statuses == [200, 200]
    assert other_token.status_code == 200
    assert session.status_code == 429
    assert another_user.status_code == 200


@override_settings(API_THROTTLE_RATES=TIGHT, API_TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_the_forwarded_address_counts(client):
    for _ in range(2):
        client.get("/api/v1/categories", HTTP_X_FORWARDED_FOR="203.0.113.7")

    blocked = client.get("/api/v1/categories", HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = client.get("/api/v1/categories", HTTP_X_FORWARDED_FOR="203.0.113.8")

    assert (blocked.status_code, other.status_code) == (429, 200)


@override_settings(API_THROTTLE_RATES=TIGHT)
@pytest.mark.parametrize(("second", "retry_after"), [(10.25, "50"), (59.5, "1"), (59.999, "1")])
def test_retry_after_is_the_wait_rounded_up_never_0(client, monkeypatch, second, retry_after):
    """49.75 s left in the window is "50", not "49", which would send the client back before
    it may; half a second is "1", never "0" (retry at once, refused again)."""
    now = 1_800_000_000.0 + second  # a minute's start: 1_800_000_000 = 60 * 30_000_000
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: now))
    for _ in range(2):
        client.get("/api/v1/categories")

    response = client.get("/api/v1/categories")

    assert response.status_code == 429
    assert response["Retry-After"] == retry_after


def test_the_cache_counter_counts_within_a_window():
    key = f"test:{uuid.uuid4()}"
    counter = CacheCounter()

    assert [counter.hit(key, 60) for _ in range(3)] == [1, 2, 3]


def test_hit_reports_the_wait_until_the_window_ends():
    rate = Rate(limit=1, period=60)
    ident = f"test:{uuid.uuid4()}"

    assert hit(ident=ident, rate=rate, now=120.0) is None
    assert hit(ident=ident, rate=rate, now=150.0) == 30.0
    assert hit(ident=ident, rate=rate, now=180.0) is None  # a new window


def file_cache(tmp_path: Path) -> dict[str, dict[str, str]]:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


def hammered(store: Counter) -> list[bool]:
    """400 calls of one caller from 16 threads at once, at a limit of 50: whether each passed."""
    ident = f"test:{uuid.uuid4()}"
    rate = Rate(limit=50, period=60)
    allowed: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def hammer() -> None:
        start.wait()
        for _ in range(25):
            result = hit(ident=ident, rate=rate, now=1_000_000.0, store=store) is None
            with lock:
                allowed.append(result)

    threads = [threading.Thread(target=hammer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return allowed


def test_the_redis_counter_lets_exactly_the_limit_through_under_concurrency(redis_url):
    allowed = hammered(RedisCounter(redis_url))

    assert len(allowed) == 400
    assert allowed.count(True) == 50


def test_the_embedded_counter_lets_exactly_the_limit_through_under_concurrency(tmp_path):
    """Django's file cache, as the embedded profile has it: its own add + incr let all 400
    through; a count is read and written under the machine's lock file."""
    with override_settings(CACHES=file_cache(tmp_path), REDIS_URL="", VAR_DIR=tmp_path):
        allowed = hammered(CacheCounter())

    assert len(allowed) == 400
    assert allowed.count(True) == 50
    assert (tmp_path / "throttle.lock").exists()


# Folders the process makes, as Python's audit events report them (sys.addaudithook: a hook
# cannot be removed, so one for the session, recording only while a test watches).
_watching: list[list[str]] = []


def _on_audit(event: str, args: tuple[object, ...]) -> None:
    if event == "os.mkdir":
        for made in _watching:
            made.append(str(args[0]))


sys.addaudithook(_on_audit)


@contextmanager
def folders_made() -> Iterator[list[str]]:
    made: list[str] = []
    _watching.append(made)
    try:
        yield made
    finally:
        _watching.remove(made)


def test_the_embedded_counter_outlives_the_window_it_counts(tmp_path):
    """As the Redis counter's (below): a window's first hit may come at its very start, so its
    count lives the whole period, with the same second of margin. Read from the expiry Django's
    file cache stores first in the key's file (its format), as the embedded profile has it."""
    key = f"test:{uuid.uuid4()}"

    with override_settings(CACHES=file_cache(tmp_path), REDIS_URL="", VAR_DIR=tmp_path):
        before = time.time()
        CacheCounter().hit(key, 60)
        after = time.time()
        with open(cache._key_to_file(key), "rb") as stored:  # type: ignore[attr-defined]
            expires = pickle.load(stored)  # noqa: S301 (the file this test just wrote)

    assert before + 61 <= expires <= after + 61


def test_the_embedded_counter_makes_its_folder_once_not_on_every_request(tmp_path):
    """It made VAR_DIR (a mkdir, and a stat of each parent) on every API request; now when its
    lock file cannot be opened for want of it: the first request on a new machine."""
    var = tmp_path / "var"  # not there yet
    key = f"test:{uuid.uuid4()}"

    with (
        override_settings(CACHES=file_cache(tmp_path), REDIS_URL="", VAR_DIR=var),
        folders_made() as made,
    ):
        counts = [CacheCounter().hit(key, 60) for _ in range(3)]

    assert counts == [1, 2, 3]
    assert made.count(str(var)) == 1
    assert (var / "throttle.lock").exists()


def test_the_embedded_counter_makes_its_folder_again_if_it_went(tmp_path):
    var = tmp_path / "var"
    key = f"test:{uuid.uuid4()}"

    with override_settings(CACHES=file_cache(tmp_path), REDIS_URL="", VAR_DIR=var):
        first = CacheCounter().hit(key, 60)
        shutil.rmtree(var)
        second = CacheCounter().hit(key, 60)

    assert (first, second) == (1, 2)
    assert (var / "throttle.lock").exists()


def test_the_redis_counter_expires_its_keys(redis_url):
    store = RedisCounter(redis_url)
    key = f"test:{uuid.uuid4()}"

    store.hit(key, 60)

    assert 0 < store.client.ttl(key) <= 61


def test_the_redis_counter_outlives_the_window_it_counts(redis_url):
    """A window's first hit may come at its very start: its count must live the whole period
    (with the second of margin the counter adds), or the window's last seconds count from 0
    again and let more than the limit through. Read in milliseconds from Redis itself."""
    store = RedisCounter(redis_url)
    key = f"test:{uuid.uuid4()}"

    store.hit(key, 60)

    assert 60_000 < store.client.pttl(key) <= 61_000


def test_the_redis_counter_counts_every_hit_of_a_window_under_one_expiry(redis_url):
    store = RedisCounter(redis_url)
    key = f"test:{uuid.uuid4()}"

    counts = [store.hit(key, 60) for _ in range(3)]

    assert counts == [1, 2, 3]
    assert 0 < store.client.ttl(key) <= 61


def test_an_unreachable_counter_store_lets_requests_through():
    store = RedisCounter("redis://127.0.0.1:1/0")

    assert hit(ident="x", rate=Rate(limit=0, period=60), now=0.0, store=store) is None
