"""Rate limits per user (all their tokens and their session together), or per IP address for
anonymous callers.

A fixed-window counter: one key per caller and window, incremented atomically. With REDIS_URL
set the increment and the expiry go to Redis as one Lua script (one command, run atomically by
Redis), so concurrent requests on any number of app servers cannot slip past the limit. The
embedded profile has no Redis and counts in Django's cache (a file cache there), reading and
writing a count under an exclusive lock on a file (`flock`), so that the threads and processes of
the machine count exactly too: the cache's own `add` + `incr` is a read and a write with nothing
between them, and let 400 of 400 calls from 16 threads through a limit of 50.

If the counter store is unreachable the request is let through: a cache outage must not take the
API down. The outage is logged when it begins, at most once a minute while it lasts and when it
ends (`store_outage`, outings.common.outage); until session 21 each request of an outage logged a
warning with its traceback. After a count that waited for its timeout (a hung Redis) the store
is not asked for CACHE_RETRY_SECONDS (outings.common.cache), the requests let through meanwhile:
until session 24 every API request against a hung Redis waited REDIS_TIMEOUT_SECONDS for it.
"""

import fcntl
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Protocol, TextIO

import redis
from django.conf import settings
from django.core.cache import cache as django_cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from outings.api.auth import caller, is_authenticated
from outings.api.rates import Rate
from outings.common.cache import CACHE_RETRY_SECONDS
from outings.common.outage import Outage
from outings.common.proxies import client_ip

logger = logging.getLogger(__name__)
store_outage = Outage(
    logger=logger,
    name="the API's rate-limit store",
    effect="API requests are let through without a rate limit",
    failures="requests let through",
)


class Counter(Protocol):
    def hit(self, key: str, period: int) -> int:
        """Add one to `key` (created to expire after `period` seconds); the new count."""


# The first hit of a window arms the expiry; Redis runs a script without interleaving other
# commands, so no key is left without one. One EVALSHA costs about 60 % of the CPU of the
# MULTI/INCR/EXPIRE/EXEC pipeline it replaces (redis-py's packing and parsing per command).
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


class RedisCounter:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
        )
        # Sent by its hash; redis-py loads it again if the server has lost it (a restart).
        self.script = self.client.register_script(HIT_SCRIPT)

    def hit(self, key: str, period: int) -> int:
        return int(self.script(keys=[key], args=[period + 1]))


class CacheCounter:
    """Exact across the threads and processes of one machine: see the module docstring."""

    def hit(self, key: str, period: int) -> int:
        with machine_lock():
            count = int(django_cache.get(key, 0)) + 1
            django_cache.set(key, count, timeout=period + 1)
        return count


@contextmanager
def machine_lock() -> Iterator[None]:
    """Hold the exclusive lock every process of this machine takes to count (`VAR_DIR`'s
    throttle.lock). Released when the file closes, even by a process that dies holding it."""
    with _lock_file() as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _lock_file() -> TextIO:
    """throttle.lock, opened; `VAR_DIR` is made only when it is not there (the first request on
    a machine, or after it was removed), not on every request."""
    path = Path(settings.VAR_DIR) / "throttle.lock"
    try:
        return path.open("a")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("a")


@cache
def redis_counter(url: str) -> RedisCounter:
    return RedisCounter(url)


def counter() -> Counter:
    url: str = settings.REDIS_URL
    return redis_counter(url) if url else CacheCounter()


def hit(*, ident: str, rate: Rate, now: float, store: Counter | None = None) -> float | None:
    """Count one request for `ident`. None if it is within `rate`, else the seconds until the
    current window ends."""
    window = int(now // rate.period)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    key = f"{prefix}:throttle:{ident}:{rate.period}:{window}"
    # For CACHE_RETRY_SECONDS after a count that waited for its timeout, let through without
    # asking the store: against a hung Redis every API request waited REDIS_TIMEOUT_SECONDS
    # until session 24. A store that refuses at once is asked every time.
    if store_outage.resting_after_timeout(CACHE_RETRY_SECONDS):
        store_outage.skipped()
        return None
    try:
        count = (store or counter()).hit(key, rate.period)
    except (redis.RedisError, OSError) as error:
        store_outage.failed(error)
        return None
    store_outage.recovered()
    if count <= rate.limit:
        return None
    return (window + 1) * rate.period - now


def identity(request: HttpRequest) -> tuple[str, str]:
    """(rate name, counter identity) of the caller: the user, whichever of their tokens or their
    session they call with, else the IP address. Not per token: a user may mint 50 tokens, one
    request each, and had as many allowances."""
    if is_authenticated(request):
        return "user", f"user:{caller(request).pk}"
    return "anon", address_identity(request)


# An IPv6 subscriber is given a /64 at least and picks any address in it for each connection
# (privacy addresses, RFC 8981): one client, one count. allauth's own limits count so too
# (ALLAUTH_RATE_LIMIT_IPV6_PREFIX, 64 by default).
IPV6_PREFIX = 64


def address_identity(request: HttpRequest) -> str:
    """The counter identity of an anonymous caller: its IPv4 address (also when a dual-stack
    server writes it as `::ffff:a.b.c.d`), or the /64 network of its IPv6 address. Counted per
    IPv6 address, a client that took a new one for each request was never limited."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"ip:{address}"  # what a proxy we trust wrote: counted as written
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"ip:{ip.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False)}"
    return f"ip:{ip}"


def request_wait(request: HttpRequest) -> float | None:
    """Count one request of its caller (identity); the seconds to wait when over the caller's
    rate, else None."""
    name, ident = identity(request)
    rate = Rate.parse(settings.API_THROTTLE_RATES[name])
    return hit(ident=ident, rate=rate, now=time.time())


def retry_after(wait: float) -> int:
    """The whole seconds a Retry-After header says for `wait` seconds (at least 1)."""
    return max(1, math.ceil(wait))


def refused_credentials_wait(request: HttpRequest) -> float | None:
    """Count a request whose credentials were refused (an unknown or revoked token, a session
    write without its CSRF token) against its IP address at the anonymous rate: ninja runs
    throttles only after authentication succeeded, so guesses would otherwise never be limited.
    The seconds to wait when over the rate, else None."""
    rate = Rate.parse(settings.API_THROTTLE_RATES["anon"])
    return hit(ident=address_identity(request), rate=rate, now=time.time())


class ApiRateLimit(BaseThrottle):
    """ninja runs throttles after authentication, so the caller is known here. ninja asks
    `wait()` right after `allow_request()` in the same thread; a thread-local carries the
    answer between the two because one instance serves every request."""

    def __init__(self) -> None:
        self._last = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        wait = request_wait(request)
        self._last.wait = wait
        return wait is None

    def wait(self) -> float | None:
        wait: float | None = getattr(self._last, "wait", None)
        return None if wait is None else float(retry_after(wait))
