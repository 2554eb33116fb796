"""Django's Redis cache with one Redis client per connection pool instead of one per call, and
`get_or_compute`, the way to use the cache for anything that must keep working without it.

Django's RedisCacheClient.get_client() builds a new `redis.Redis` for every cache operation;
redis-py fills a table of response callbacks in each one, which takes longer than a GET's own
round trip on loopback (0.12 against 0.09 ms on this project's machine). A client holds nothing
between commands but its pool, and is safe to share between threads, so one per pool is made
once and kept. And one pool per server is made for the whole process, not one per cache
object: Django makes a cache object per thread and per context, and under ASGI every websocket
connection runs in a context of its own (its session is read from the cache), so each one
opened a pool and a socket to Redis that stayed open until the garbage collector came by; a
test's own CACHES did the same, to the end of the run. Everything else is Django's.

The cache failing never fails a page, a search or a booking (DESIGN.md section 5): a cache that
cannot be reached is a miss, and the value comes from the database. Code that reads the default
cache says so with `get_or_compute`; the "pages" cache (whole anonymous pages and template
fragments, outings.common.pagecache) is a `TolerantCache`, which says it once for every caller,
Django's `{% cache %}` tag included. allauth's rate limits count in the "ratelimits" cache, a
`RateLimitRedisCache`, tolerant in the same way (outings.accounts.apps).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import redis
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from outings.common.outage import Outage

logger = logging.getLogger(__name__)

# What an unreachable cache raises: redis-py's errors (Redis), OSError (the file cache).
CACHE_ERRORS = (redis.RedisError, OSError)
MISSING = object()

# Logged when an outage begins, at most once a minute while it lasts and when it ends
# (outings.common.outage); until session 21 each failed read and write logged a warning with
# its traceback.
cache_outage = Outage(
    logger=logger,
    name="the cache",
    effect="values are computed from the database and not stored",
    failures="cache reads and writes failed",
)
pages_outage = Outage(
    logger=logger,
    name="the pages cache",
    effect="pages and fragments are rendered and not stored",
    failures="cache reads and writes failed",
)


# After an operation that waited for its timeout, how long the caches (and the view counter)
# answer without asking their server: a miss, a write dropped. Against a hung Redis (or one on a
# machine gone from a network that drops its packets) each operation waited REDIS_TIMEOUT_SECONDS,
# so an anonymous page waited one for each until session 24 (a listing 5 s: its page, "more like
# this" read and written, its view count); now one operation in this time does, in each process.
# A Redis that refuses at once costs nothing to ask, and is asked every time. Sessions rest as
# long after any failure (sessions.py).
CACHE_RETRY_SECONDS = 5.0
# A value missing from the cache is computed by one caller, which marks it (for
# COMPUTE_LOCK_SECONDS at most); the others who miss it meanwhile wait for it, reading the cache
# every COMPUTE_POLL_SECONDS, and compute it themselves after COMPUTE_WAIT_SECONDS or once the
# first failed. A hot search's key changes with every booking anywhere (the catalogue version),
# and until session 24 each caller of that moment ran the search (5 of 8 at once in a test).
COMPUTE_WAIT_SECONDS = 2.0
COMPUTE_POLL_SECONDS = 0.01
COMPUTE_LOCK_SECONDS = 10


def get_or_compute[T](key: str, compute: Callable[[], T], timeout: int) -> T:
    """The value cached under `key`, else `compute()`, stored for `timeout` seconds. When the
    cache cannot be read the value is computed (and not stored); when it cannot be written the
    value is returned all the same. Either way the caller never sees the cache's error, and the
    outage is logged once (`cache_outage`), not once per call. For CACHE_RETRY_SECONDS after an
    operation that timed out the cache is not asked: the value is computed (and not stored)."""
    if cache_outage.resting_after_timeout(CACHE_RETRY_SECONDS):
        return compute()
    mine = False
    try:
        found = cache.get(key, MISSING)
        if found is MISSING:
            computing = key + ":computing"
            mine = cache.add(computing, 1, COMPUTE_LOCK_SECONDS)
            if not mine:  # another caller computes it: wait for it
                found = stored_meanwhile(cache, key, computing, wait=COMPUTE_WAIT_SECONDS)
    except CACHE_ERRORS as error:
        cache_outage.failed(error)
        return compute()
    cache_outage.recovered()
    if found is not MISSING:
        return cast(T, found)
    try:
        value = compute()
        _store(key, value, timeout)
    finally:
        if mine:
            _forget(computing)  # after the value is stored: a caller then finds one or other
    return value


def stored_meanwhile(store: BaseCache, key: str, mark: str, *, wait: float) -> Any:
    """The value another caller is computing under `key` in `store` (it holds `mark`), once it
    is stored; MISSING when that computation is over and stored nothing (it failed, or its
    value was not to be kept) or is still not done after `wait` seconds: then the caller
    computes it itself. Raises what the store raises. For get_or_compute and the page cache
    (pagecache.cached_page)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(COMPUTE_POLL_SECONDS)
        found = store.get(key, MISSING)
        if found is not MISSING:
            return found
        if store.get(mark) is None:
            return store.get(key, MISSING)  # stored between the two reads, or not at all
    return MISSING


def _store(key: str, value: Any, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except CACHE_ERRORS as error:
        cache_outage.failed(error)


def _forget(key: str) -> None:
    try:
        cache.delete(key)
    except CACHE_ERRORS as error:
        cache_outage.failed(error)


# One pool per server and options for the process; redis-py's pools are thread-safe and start
# afresh in a forked child (gunicorn, Celery prefork).
_POOLS: dict[str, redis.ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()


def _process_pool(server: str, pool_class: Any, options: dict[str, Any]) -> redis.ConnectionPool:
    key = f"{server} {pool_class!r} {sorted(options.items())!r}"
    with _POOLS_LOCK:
        if key not in _POOLS:
            _POOLS[key] = pool_class.from_url(server, **options)
        return _POOLS[key]


class _OneClientPerPool(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def _get_connection_pool(self, write: bool) -> redis.ConnectionPool:
        # Django's own, except that a pool missing from this object's is the process's.
        # _servers, _pools, _pool_class and _pool_options are Django's (not in django-stubs).
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        pools: dict[int, redis.ConnectionPool] = self._pools  # type: ignore[attr-defined]
        if index not in pools:
            pools[index] = _process_pool(
                self._servers[index],  # type: ignore[attr-defined]
                self._pool_class,  # type: ignore[attr-defined]
                self._pool_options,  # type: ignore[attr-defined]
            )
        return pools[index]

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # _get_connection_pool and _client are Django's own (django-stubs leaves them out).
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool
            )
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool


class _Tolerant:
    """A cache whose reads miss and whose writes are dropped while its server cannot be reached,
    instead of raising into the page that used it; the outage is logged once (`outage`), not once
    per operation. An `add` that fails answers True, as a `set` that fails is dropped: the caller
    goes on as if it had stored the value (a lock taken, for allauth's rate limits)."""

    outage = pages_outage
    # After a failure, how long to answer without asking the server (0: ask every time).
    retry_seconds = 0.0
    # After a failure that waited for its timeout, the same (a hung server).
    timeout_retry_seconds = CACHE_RETRY_SECONDS

    def _resting(self) -> bool:
        """True while the last failure is younger than `retry_seconds`, or the last that timed
        out younger than `timeout_retry_seconds`: a hung server costs one timeout then, not one
        per operation. Neither a failure nor the end of the outage."""
        return self.outage.resting(self.retry_seconds) or self.outage.resting_after_timeout(
            self.timeout_retry_seconds
        )

    def _tolerate(self, fallback: Any, operation: Callable[[], Any]) -> Any:
        """`operation()`, or `fallback` while the server rests or when the operation fails."""
        if self._resting():
            return fallback
        try:
            result = operation()
        except CACHE_ERRORS as error:
            self.outage.failed(error)
            return fallback
        self.outage.recovered()
        return result

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        get = super().get  # type: ignore[misc]
        return self._tolerate(default, lambda: get(key, default, version))

    def set(self, key: Any, value: Any, timeout: Any = 300, version: Any = None) -> None:
        set_ = super().set  # type: ignore[misc]
        self._tolerate(None, lambda: set_(key, value, timeout, version))

    def add(self, key: Any, value: Any, timeout: Any = 300, version: Any = None) -> bool:
        add = super().add  # type: ignore[misc]
        return bool(self._tolerate(True, lambda: add(key, value, timeout, version)))

    def delete(self, key: Any, version: Any = None) -> bool:
        delete = super().delete  # type: ignore[misc]
        return bool(self._tolerate(False, lambda: delete(key, version)))


class TolerantRedisCache(_Tolerant, RedisCache):
    pass


class TolerantFileBasedCache(_Tolerant, FileBasedCache):
    pass


# allauth's rate limits (ACCOUNT_RATE_LIMITS: log-in, failed log-ins, sign-up, password reset,
# address confirmation mail, re-authentication) count in the "ratelimits" cache
# (outings.accounts.apps): while it is down they let every attempt through, as the API's
# throttle does (ADR 0010), instead of a 500 on every form.
ratelimits_outage = Outage(
    logger=logger,
    name="the sign-in rate-limit store",
    effect="log-in, sign-up and password-reset attempts are not limited",
    failures="rate-limit reads and writes failed",
)


# A log-in's limits make twelve operations (three limits: a lock, a read, a write, the lock
# released); against a hung Redis each waited REDIS_TIMEOUT_SECONDS, 12 s for one wrong password.
RATE_LIMIT_RETRY_SECONDS = 1.0


class RateLimitRedisCache(TolerantRedisCache):
    outage = ratelimits_outage
    retry_seconds = RATE_LIMIT_RETRY_SECONDS


class RateLimitFileBasedCache(TolerantFileBasedCache):
    outage = ratelimits_outage
    retry_seconds = RATE_LIMIT_RETRY_SECONDS
