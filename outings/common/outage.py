"""One log line per outage of a server the app can do without (Redis: the caches, the sessions'
cache, the API's throttle counter, the view counter), not one per operation that failed.

Each client that carries on without its server says so to an `Outage`: `failed(error)` when an
operation failed, `recovered()` when one succeeded. The outage is logged as a warning when it
begins (with the error), at most once per OUTAGE_LOG_SECONDS while it lasts (with how many
operations failed so far), and once when it ends (with how long it lasted and how many failed):
until session 21 every failed operation logged a warning, several with a traceback, and under
load the flood hid everything else.

An outage ends with the first operation that succeeds QUIET_SECONDS after the last failure, so
that a server failing only some operations (out of memory: writes refused, reads served) is one
outage, not one per request. Thread-safe; `recovered()` takes no lock while the server is up
(one attribute read), so the success path costs nothing. Each process has its own view of the
outage (gunicorn's workers, Celery's): an outage is logged once by each process that meets it.
"""

from __future__ import annotations

import logging
import math
import threading
import weakref
from time import monotonic

import redis

# While a server is down, how often its outage is logged again.
OUTAGE_LOG_SECONDS = 60.0
# An outage ends with an operation that succeeds this long after the last one that failed: a
# server that fails some operations and not others (a Redis out of memory refuses writes and
# serves reads; a read-only replica after a failover) would otherwise end and begin an outage,
# two lines, on every request.
QUIET_SECONDS = 5.0

_ALL: weakref.WeakSet[Outage] = weakref.WeakSet()
# What a failure that waited for its timeout raises (redis-py's, for a connection or an answer).
TIMEOUTS = (redis.TimeoutError, TimeoutError)


class Outage:
    """The outage of one client's server, logged on `logger` as "<name> unavailable (<error>);
    <effect> until it is back", "<name> still unavailable after N s; M <failures> so far" and
    "<name> is back after N s; M <failures> meanwhile"."""

    def __init__(self, *, logger: logging.Logger, name: str, effect: str, failures: str) -> None:
        self.logger, self.name, self.effect, self.failures = logger, name, effect, failures
        self.lock = threading.Lock()
        self.reset()
        _ALL.add(self)

    def reset(self) -> None:
        """The server is up, as far as this process knows (tests)."""
        with self.lock:
            self.since: float | None = None  # monotonic time of the first failure; None: up
            self.logged_at = 0.0
            self.failed_count = 0  # operations that failed since the outage began
            self.failed_at = 0.0  # monotonic time of the last failure
            self.timed_out_at = -math.inf  # ... and of the last one that waited for its timeout

    @property
    def down(self) -> bool:
        return self.since is not None

    def resting(self, seconds: float) -> bool:
        """True while the outage lasts and its last failure is younger than `seconds`: a client
        may answer without asking its server meanwhile, so that a hung server (which answers
        nothing, each operation waiting for the timeout) costs one timeout in that time, not one
        per operation. Neither a failure nor the outage's end."""
        return self.since is not None and monotonic() - self.failed_at < seconds

    def resting_after_timeout(self, seconds: float) -> bool:
        """As `resting`, from the last failure that waited for its timeout (a hung server, or
        one whose machine is gone from a network that drops its packets): a server that refuses
        at once costs nothing to ask, and is asked every time."""
        return self.since is not None and monotonic() - self.timed_out_at < seconds

    def skipped(self) -> None:
        """An operation done without asking the server, which rests, that the lines about the
        outage count with the failures (a view counted in memory: "M views counted in memory")."""
        with self.lock:
            if self.since is not None:
                self.failed_count += 1

    def failed(self, error: BaseException) -> None:
        """An operation failed with `error`: log it if it begins an outage, or if the last line
        about this one is OUTAGE_LOG_SECONDS old."""
        with self.lock:
            now = self.failed_at = monotonic()
            if isinstance(error, TIMEOUTS):
                self.timed_out_at = now
            if self.since is None:
                self.since, self.logged_at, self.failed_count = now, now, 1
                first = True
            else:
                self.failed_count += 1
                if now - self.logged_at < OUTAGE_LOG_SECONDS:
                    return
                self.logged_at, first = now, False
            count, lasted = self.failed_count, now - self.since
        if first:
            self.logger.warning(
                "%s unavailable (%s: %s); %s until it is back",
                self.name,
                type(error).__name__,
                error,
                self.effect,
            )
        else:
            self.logger.warning(
                "%s still unavailable after %.0f s; %s %s so far",
                self.name,
                lasted,
                count,
                self.failures,
            )

    def recovered(self) -> bool:
        """An operation succeeded: log the end of the outage if there was one and no operation
        failed in the last QUIET_SECONDS. True if this call ended it (the caller may catch up
        on what it kept meanwhile)."""
        if self.since is None:  # the common case: no lock, nothing to do
            return False
        now = monotonic()
        if now - self.failed_at < QUIET_SECONDS:  # failing still (or on and off)
            return False
        with self.lock:
            if self.since is None or now - self.failed_at < QUIET_SECONDS:
                return False
            lasted, count = now - self.since, self.failed_count
            self.since, self.failed_count = None, 0
        self.logger.warning(
            "%s is back after %.0f s; %s %s meanwhile", self.name, lasted, count, self.failures
        )
        return True


def reset_all() -> None:
    """Forget every outage of this process (tests: one test's outage must not hide the next
    test's first line)."""
    for outage in list(_ALL):
        outage.reset()
