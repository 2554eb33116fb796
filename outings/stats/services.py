"""Counting listing page views without a database write per view.

A view is one increment in a buffer, for its listing and the quarter of an hour (UTC) it came
in; a flush adds the buffered counts to ListingDay rows with one upsert, each on the day that
quarter falls on in its listing's time zone (every zone's offset is a whole number of quarters,
so a quarter never straddles two days). With Redis (REDIS_URL) the buffer is a hash per UTC day
(fields "<listing id>@<minute of the day>"), incremented atomically by every process, and
flushed by a beat task (`flush_listing_views`, every STATS_FLUSH_SECONDS).
Without Redis (embedded profile) each process keeps its own counts in memory and flushes them
itself at most every STATS_FLUSH_SECONDS and when it exits: a process killed outright loses at
most that many seconds of its views, which is acceptable for statistics and never touches
anything else.
"""

import atexit
import contextlib
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from time import monotonic

import redis
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from redis.lock import Lock

from outings.catalog.models import Listing
from outings.common.cache import CACHE_RETRY_SECONDS
from outings.common.outage import Outage
from outings.stats.models import FlushedBatch, ListingDay

logger = logging.getLogger(__name__)
# The flush task's hard time limit (tasks.flush_listing_views): no flush runs longer.
FLUSH_TIME_LIMIT = 60
# Longer than any flush may take; no longer, so that a flush killed at its time limit (its lock
# never released) holds off the next one by seconds: the lock lasted 300 s until session 21,
# five flushes skipped.
FLUSH_LOCK_SECONDS = FLUSH_TIME_LIMIT + 5
# How long a flushed batch's token is kept: a batch left in Redis (its deletion failed) is
# flushed again at the next flush that reaches Redis, far sooner.
FLUSHED_BATCHES_KEPT = timedelta(days=7)
# The field of a batch's hash (next to the listings' ids) that holds its token.
_BATCH_FIELD = "batch"

# Each quarter's views on the listing's own day (UTC's for a zone PostgreSQL does not know:
# stats.0004's stats_local_day): several quarters make one row (GROUP BY, since
# one statement may not update a row twice), in a fixed order (ORDER BY: two flushes that
# overlap lock rows in the same order).
_UPSERT = f"""
    INSERT INTO {ListingDay._meta.db_table} (listing_id, day, views, bookings)
    SELECT listing.id, stats_local_day(listing.time_zone, t.at), sum(t.views), 0
    FROM unnest(%s::bigint[], %s::timestamptz[], %s::int[]) AS t(listing_id, at, views)
    JOIN {Listing._meta.db_table} AS listing ON listing.id = t.listing_id
    GROUP BY 1, 2
    ORDER BY 1, 2
    ON CONFLICT (listing_id, day) DO UPDATE SET views = {ListingDay._meta.db_table}.views
        + excluded.views
"""  # noqa: S608 - table names from the models, values as parameters
# The minutes of a quarter of an hour: views are buffered by the quarter they came in.
QUARTER = 15
# A field of a day's hash without its minute (buffered before the quarters): its views count at
# noon UTC, on the UTC day in every zone from UTC-12 to UTC+11:45, as they did before.
_NOON = 12 * 60


_ADD_BOOKINGS = f"""
    INSERT INTO {ListingDay._meta.db_table} (listing_id, day, views, bookings)
    VALUES (%s, %s, 0, GREATEST(%s, 0))
    ON CONFLICT (listing_id, day) DO UPDATE SET bookings = GREATEST(
        {ListingDay._meta.db_table}.bookings + %s, 0)
"""  # noqa: S608 - table name from the model, values as parameters


_CLAIM_BATCH = f"""
    INSERT INTO {FlushedBatch._meta.db_table} (token, flushed_at) VALUES (%s, %s)
    ON CONFLICT (token) DO NOTHING
"""  # noqa: S608 - table name from the model, values as parameters


def _add_views(
    counts: Iterable[tuple[int, datetime, int]], *, batch: uuid.UUID | None = None
) -> int:
    """Add `counts` (listing id, the start of a quarter, views) to ListingDay, each on the day
    the quarter falls on in its listing's zone, in one transaction; returns how many views it
    added (those of deleted listings are dropped: a late view must not fail the flush). With a
    `batch` token only once: a batch already in FlushedBatch (added before, its deletion from
    Redis failed) adds nothing."""
    rows = [row for row in counts if row[2] > 0]
    if not rows and batch is None:
        return 0  # no connection: the buffer's flush at exit may find nothing to add
    with transaction.atomic(), connection.cursor() as cursor:
        if batch is not None:
            cursor.execute(_CLAIM_BATCH, [batch, timezone.now()])
            if cursor.rowcount == 0:
                logger.warning("stats: views batch %s was added already, not again", batch)
                return 0
        if rows:
            ids, days, views = zip(*sorted(rows), strict=True)
            cursor.execute(_UPSERT, [list(ids), list(days), list(views)])
    return sum(row[2] for row in rows)


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
    )


def _prefix() -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:stats:views"


class _MemoryBuffer:
    """This process's views (no Redis, or Redis down), flushed at most every
    STATS_FLUSH_SECONDS: by the view that finds the last flush that old, else by a timer set
    by the first view after a flush (until session 21 views that no other view followed waited
    for the process's exit, hours on a quiet site) or by a flush that failed, and at exit."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[tuple[int, datetime]] = Counter()
        self.flushed_at = monotonic()
        self.timer: threading.Timer | None = None

    def add(self, listing_id: int, quarter: datetime) -> None:
        with self.lock:
            self.counts[(listing_id, quarter)] += 1
            due = monotonic() - self.flushed_at >= settings.STATS_FLUSH_SECONDS
            if not due:
                self._arm()
        if due:
            self.flush()

    def _arm(self) -> None:
        """A flush STATS_FLUSH_SECONDS from now, unless one is pending. Call holding the lock."""
        if self.timer is not None:
            return
        timer = threading.Timer(settings.STATS_FLUSH_SECONDS, self._flush_on_timer)
        timer.daemon = True  # the exit's flush takes what it leaves
        try:
            timer.start()
        except RuntimeError:  # no new threads at shutdown: the exit's flush was the last
            return
        self.timer = timer

    def _flush_on_timer(self) -> None:
        with self.lock:
            self.timer = None
        try:
            self.flush()
        finally:
            connection.close()  # this thread's own, back to the pool

    def flush(self) -> int:
        """Add the buffered views to the database; returns how many it added (0 when that
        failed: they are kept for the next flush)."""
        with self.lock:
            taken, self.counts = self.counts, Counter()
            self.flushed_at = monotonic()
        try:
            return _add_views((listing_id, at, n) for (listing_id, at), n in taken.items())
        except (DatabaseError, RuntimeError):  # RuntimeError: no new threads at shutdown
            logger.exception("stats: could not flush %s buffered views", sum(taken.values()))
            with self.lock:
                self.counts.update(taken)  # keep them for the next flush
                # ... which comes, whether a view follows or not: until session 25 only a next
                # view set a timer again, so a quiet process kept views whose flush failed (the
                # database away a moment) until its exit, and lost them if the database was
                # away then too.
                self._arm()
            return 0

    def reset(self) -> None:
        """Forget every buffered view and the pending timer (tests)."""
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            self.timer = None
            self.counts.clear()
            self.flushed_at = monotonic()


_memory = _MemoryBuffer()
atexit.register(_memory.flush)


# While Redis is down views are counted in memory (`_memory`); the outage is logged when it
# starts, at most once per OUTAGE_LOG_SECONDS while it lasts, and when it ends (until session
# 21: one warning per view, every view of the outage dropped).
_outage = Outage(
    logger=logger,
    name="stats: Redis",
    effect="counting views in this process's memory",
    failures="views counted in memory",
)


def record_listing_view(*, listing_id: int, now: datetime | None = None) -> None:
    """Count one view of a listing page, at `now` (default: now). Costs no database write
    (but the flush of this process's memory buffer, at most once per STATS_FLUSH_SECONDS,
    without Redis or while it is down, and once when it is back); never raises (a statistics
    hiccup must not fail a page)."""
    at = (now or timezone.now()).astimezone(UTC)
    day, minute = at.date(), at.hour * 60 + at.minute // QUARTER * QUARTER
    if not settings.REDIS_URL:
        _memory.add(listing_id, _quarter(day, minute))
        return
    # For CACHE_RETRY_SECONDS after Redis timed out, in memory without asking it: against a hung
    # one every view waited REDIS_TIMEOUT_SECONDS until session 24.
    if _outage.resting_after_timeout(CACHE_RETRY_SECONDS):
        _memory.add(listing_id, _quarter(day, minute))
        _outage.skipped()
        return
    prefix = _prefix()
    try:
        pipe = _redis(settings.REDIS_URL).pipeline(transaction=False)
        pipe.hincrby(f"{prefix}:{day.isoformat()}", f"{listing_id}@{minute}", 1)
        pipe.sadd(f"{prefix}:days", day.isoformat())
        pipe.execute()
    except redis.RedisError as error:
        _memory.add(listing_id, _quarter(day, minute))
        _outage.failed(error)
        return
    if _outage.recovered():
        _memory.flush()  # the views counted in memory meanwhile


def flush_listing_views() -> int:
    """Move the buffered view counts into ListingDay; returns how many views were moved.

    Redis: each day's hash is first RENAMEd to a private key (atomic: views counted meanwhile go
    to a fresh hash) and given a token (HSETNX: a batch keeps its first), added to the database
    with its token (FlushedBatch, same transaction), then deleted. A failure before the commit
    leaves the private key, which the next flush adds; one between the commit and the delete
    (Redis gone) leaves it too, and the next flush finds its token and only deletes it: a batch
    is added once, whatever fails. One flush runs at a time (a Redis lock held for the whole
    flush): two at once would both read the same private key and count its views twice. A flush
    that finds the lock taken does nothing."""
    if not settings.REDIS_URL:
        # What the flush added: until session 25 what the buffer held, a flush that failed too.
        return _memory.flush()
    client = _redis(settings.REDIS_URL)
    prefix = _prefix()
    _release_unreleased()
    lock = client.lock(f"{prefix}:flush-lock", timeout=FLUSH_LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return 0
    try:
        moved = _flush_days(client, prefix)
        # Only now: a batch left in Redis that long (Redis away a week, its data kept) is
        # recognised by its token and deleted first, where until session 25 its token was
        # pruned before and the batch added again.
        FlushedBatch.objects.filter(flushed_at__lt=timezone.now() - FLUSHED_BATCHES_KEPT).delete()
        return moved
    finally:
        _release(lock)


# A flush lock this process could not release (Redis was down when its flush failed) and its
# token, released at this process's next flush: else the flushes of the lock's whole timeout
# found it taken.
_unreleased: list[tuple[Lock, str]] = []


def _release(lock: Lock) -> None:
    """Release our flush lock: only ours (redis-py compares the lock's token in Redis, so a
    lock that ran out and was taken by another flush is left alone); if Redis cannot be reached
    now, at this process's next flush."""
    token = lock.local.token  # release() forgets it before it asks Redis
    try:
        lock.release()
    except redis.exceptions.LockError:  # held past its timeout: another flush may run now
        logger.warning("stats: a flush outlasted its %s s lock", FLUSH_LOCK_SECONDS)
    except redis.RedisError:
        logger.warning("stats: the flush lock could not be released; it will be at the next flush")
        _unreleased.append((lock, token))


def _release_unreleased() -> None:
    """Release what `_release` could not; kept for the next flush while Redis is still away."""
    while _unreleased:
        lock, token = _unreleased[-1]
        # LockError: it ran out meanwhile (and another flush may hold the lock now): not ours.
        with contextlib.suppress(redis.exceptions.LockError):
            lock.do_release(token)
        _unreleased.pop()


def _flush_days(client: redis.Redis, prefix: str) -> int:
    moved = 0
    for raw in sorted(client.smembers(f"{prefix}:days")):
        day = _text(raw)
        live_key, flushing_key = f"{prefix}:{day}", f"{prefix}:{day}:flushing"
        if client.exists(flushing_key):  # a batch an earlier flush did not finish
            moved += _flush_batch(client, flushing_key, day)
        try:
            client.rename(live_key, flushing_key)
        except redis.ResponseError:  # no views since the last flush
            _forget_day(client, prefix, day)
            continue
        moved += _flush_batch(client, flushing_key, day)
    return moved


def _flush_batch(client: redis.Redis, key: str, day: str) -> int:
    """Add the batch at `key` (the renamed hash of `day`, a UTC day) to the database once, then
    delete it."""
    client.hsetnx(key, _BATCH_FIELD, str(uuid.uuid4()))
    counts = {_text(field): _text(value) for field, value in client.hgetall(key).items()}
    batch = uuid.UUID(counts.pop(_BATCH_FIELD))
    rows = []
    for field, views in counts.items():
        listing_id, _, minute = field.partition("@")
        quarter = _quarter(date.fromisoformat(day), int(minute) if minute else _NOON)
        rows.append((int(listing_id), quarter, int(views)))
    added = _add_views(rows, batch=batch)
    client.delete(key)
    return added


def _quarter(day: date, minute: int) -> datetime:
    """The instant `minute` minutes into `day` (UTC)."""
    return datetime.combine(day, time(), tzinfo=UTC) + timedelta(minutes=minute)


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _forget_day(client: redis.Redis, prefix: str, day: str) -> None:
    """Take a day whose hash is gone off the list of days to flush. A view counted meanwhile
    (its HINCRBY made the hash again, its SADD found the day still listed) puts the day back:
    seen here if its hash exists after the SREM, else by the view's own SADD, which then comes
    after the SREM."""
    client.srem(f"{prefix}:days", day)
    if client.exists(f"{prefix}:{day}"):
        client.sadd(f"{prefix}:days", day)


# The rows of `lock_days`, taken in the upsert's order (ORDER BY listing, day).
_LOCK_DAYS = f"""
    SELECT 1 FROM {ListingDay._meta.db_table}
    WHERE (listing_id, day) IN (SELECT * FROM unnest(%s::bigint[], %s::date[]))
    ORDER BY listing_id, day
    FOR NO KEY UPDATE
"""  # noqa: S608 - table name from the model, values as parameters


def lock_days(*, days: Iterable[tuple[int, date]]) -> None:
    """Lock the ListingDay rows of `days` (listing id, day) until the caller commits, in the
    order every writer of several rows takes them: by listing, then day, as the views flush's
    upsert does. A transaction that changes several rows one by one (a date's cancellation,
    each booking off the day it was counted on) calls this first: taken in its own order (the
    bookings' ids), the rows met a flush taking them the other way and PostgreSQL failed one
    of the two ("deadlock detected", until session 25). Rows that do not exist are not made.
    Call holding the bookings' and their date's locks, never before: a booking's confirmation
    announced holds the booking's lock, then takes its day's row."""
    keys = sorted(set(days))
    if not keys:
        return
    listing_ids, dates = zip(*keys, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_DAYS, [list(listing_ids), list(dates)])


def add_bookings(*, listing_id: int, day: date, count: int = 1) -> None:
    """For the bookings services, in the booking's transaction: count `count` bookings (negative
    for a cancellation) on `day`. Bookings are rare and must be exact, so this writes at once."""
    with connection.cursor() as cursor:
        cursor.execute(_ADD_BOOKINGS, [listing_id, day, count, count])
