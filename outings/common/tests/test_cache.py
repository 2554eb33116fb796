"""The Redis cache backend: Django's, with one Redis client per connection pool; and
get_or_compute, which keeps working when the cache does not."""

import asyncio
import gc
import threading
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from outings.common.cache import RedisCache, get_or_compute
from tests.leaks import open_fds

CACHE_DOWN = {
    "default": {
        "BACKEND": "outings.common.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens here: connection refused
    },
    "pages": {
        "BACKEND": "outings.common.cache.TolerantRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    },
}


@pytest.fixture
def cache(redis_url):
    backend = RedisCache(redis_url, {"KEY_PREFIX": "test-outings-cache"})
    yield backend
    backend.delete_many(["a", "b", "counter"])


def test_the_cache_reuses_one_client_per_pool_instead_of_one_per_call(cache):
    """Django's backend builds a redis.Redis on every call (slower than the command itself)."""
    first = cache._cache.get_client(write=True)

    assert cache._cache.get_client(write=True) is first
    assert cache._cache.get_client() is first  # one server: reads use the same pool
    django = DjangoRedisCache(cache._servers, {})
    assert django._cache.get_client() is not django._cache.get_client()


def test_a_test_leaves_no_redis_socket_open_behind_it(redis_url, settings):
    """The root conftest's _isolated_cache gives each test its own CACHES: Django drops the old
    cache objects without closing them, and asgiref's Local keeps them alive, so each test's
    Redis sockets stayed open to the end of the run (one or two per test, ~1,000 a suite)."""
    gc.collect()  # the sockets of an earlier test's caches that are garbage already
    before = open_fds()["redis"]
    for _ in range(10):
        settings.CACHES = {
            alias: {**config, "KEY_PREFIX": uuid.uuid4().hex}
            for alias, config in settings.CACHES.items()
        }
        caches["default"].set("a", 1)
        caches["pages"].set("b", 2)

    assert open_fds()["redis"] <= before + 1


def test_every_context_of_an_asgi_server_shares_the_process_pool(redis_url):
    """Django's caches are per context, and under ASGI every websocket connection runs in its
    own (its session is read from the cache): each made its own RedisCache, pool and socket,
    open until the garbage collector came by, not when the connection ended."""
    gc.collect()
    before = open_fds()["redis"]

    async def one_connection() -> None:
        await sync_to_async(lambda: caches["default"].get("a"))()

    async def thirty_connections() -> None:
        for _ in range(30):
            await asyncio.create_task(one_connection())

    gc.disable()  # what the collector would close meanwhile is not the server's doing
    try:
        asyncio.run(thirty_connections())
        during = open_fds()["redis"]
    finally:
        gc.enable()

    assert during <= before + 1


def test_the_cache_still_does_what_a_cache_does(cache):
    assert cache.add("a", {"x": 1}, timeout=30)
    assert not cache.add("a", {"x": 2}, timeout=30)
    cache.set_many({"b": [1, 2]}, timeout=30)
    cache.set("counter", 1, timeout=30)
    cache.incr("counter")

    assert cache.get_many(["a", "b"]) == {"a": {"x": 1}, "b": [1, 2]}
    assert cache.get("counter") == 2


def test_threads_share_the_client_safely(cache):
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(200):
                cache.set(f"t{n}", i, timeout=30)
                assert cache.get(f"t{n}") == i
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cache.delete_many([f"t{n}" for n in range(8)])

    assert errors == []


def test_the_services_profile_uses_it(settings):
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        pytest.skip("the embedded profile caches in files")
    assert isinstance(caches["default"], RedisCache)


def test_get_or_compute_computes_once_and_then_answers_from_the_cache():
    key = f"test:{uuid.uuid4()}"
    calls: list[int] = []

    def compute() -> str | None:
        calls.append(1)
        return None  # a value like any other: busiest_city() answers None on an empty site

    assert get_or_compute(key, compute, 30) is None
    assert get_or_compute(key, compute, 30) is None
    assert calls == [1]
    caches["default"].delete(key)


def test_get_or_compute_computes_the_value_when_the_cache_is_down(settings, caplog):
    settings.CACHES = CACHE_DOWN

    assert get_or_compute("test:down", lambda: 42, 30) == 42
    assert get_or_compute("test:down", lambda: 43, 30) == 43
    # One line for the outage, not one per call (session 21).
    [line] = [r.getMessage() for r in caplog.records if r.name == "outings.common.cache"]
    assert line.startswith("the cache unavailable (ConnectionError: ")
