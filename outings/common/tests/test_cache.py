"""The Redis cache backend: Django's, with one Redis client per connection pool."""

import threading

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from outings.common.cache import RedisCache


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
