"""Health of the parts a request or a background job depends on."""

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from kombu import Connection

from outings.common.models import Heartbeat
from outings.common.tasks import HEARTBEATS

logger = logging.getLogger(__name__)


# A load balancer gives /health a few seconds: a database that cannot be reached is reported
# within them, not after the pool's DB_POOL_TIMEOUT (10 s by default).
DATABASE_PROBE_SECONDS = 3.0


def check_database() -> str | None:
    """`SELECT 1` on this thread's connection if it has one, else on one the pool hands out
    within DATABASE_PROBE_SECONDS."""
    try:
        pool = getattr(connection, "pool", None)  # the PostgreSQL backend's psycopg pool
        if pool is None or connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        else:
            pool.open()  # as Django's own first connection does; nothing if it is open
            with pool.connection(timeout=DATABASE_PROBE_SECONDS) as probe:
                probe.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return None


def check_cache() -> str | None:
    try:
        cache.set("health:probe", "ok", 10)
        if cache.get("health:probe") != "ok":
            return "cache did not return what was stored"
    except Exception as error:  # noqa: BLE001
        return str(error) or type(error).__name__
    return None


def check_broker() -> str | None:
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # noqa: BLE001
        return str(error) or type(error).__name__
    return None


def _check_heartbeat(name: str) -> str | None:
    """Workers record a heartbeat every few seconds (a beat task per queue), so a stuck or
    missing worker shows up here without a round trip through the broker on every probe."""
    try:
        beat = Heartbeat.objects.filter(name=name).first()
    except Exception as error:  # noqa: BLE001
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    if beat is None:
        return f"no {name} has reported yet"
    age = timezone.now() - beat.seen_at
    if age > timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE):
        return f"last {name} heartbeat {int(age.total_seconds())} s ago"
    return None


SERVERS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}
# The workers of each queue: "urgent_worker", "worker" (default), "slow_worker".
WORKERS: dict[str, Callable[[], str | None]] = {
    name.replace(" ", "_"): partial(_check_heartbeat, name)
    for name in dict.fromkeys(HEARTBEATS.values())
}
# What a worker check says while the database, where heartbeats are kept, is down: not read,
# so that /health answers after one database probe instead of waiting on each.
NOT_READ = "not read: the database is down"


def run_checks() -> dict[str, str | None]:
    results = {name: check() for name, check in SERVERS.items()}
    database_down = results["database"] is not None
    for name, check in WORKERS.items():
        results[name] = NOT_READ if database_down else check()
    return results


def check_static_files() -> str | None:
    """With a manifest storage (DEBUG off) every page names its CSS and scripts through
    collectstatic's manifest, which the storage reads once per process: without it, each page
    is a 500 until the server restarts after a collectstatic."""
    # isinstance sees through the lazy staticfiles_storage (it sets it up on first use).
    if isinstance(staticfiles_storage, ManifestFilesMixin) and not staticfiles_storage.hashed_files:
        return "no manifest: run manage.py collectstatic"
    return None


# What this app server needs to answer requests, for a load balancer (/health/ready). Not the
# cache (a cache that is down is a miss: docs/architecture.md), the broker (side effects wait in
# the outbox) or the workers, which are the deployment's and would take every app server out of
# rotation at once; /health reports on them.
READINESS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "static_files": check_static_files,
}


def run_readiness_checks() -> dict[str, str | None]:
    return {name: check() for name, check in READINESS.items()}
