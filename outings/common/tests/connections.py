"""A second connection to the test database, for tests of what another session sees while a
transaction is still open (transactional tests only: the other session commits for real); a
Redis that never answers."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import close_old_connections, connection, transaction


def other_connection() -> psycopg.Connection:
    """A new psycopg connection to the database Django's connection uses; close it after."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )


def in_thread(outcome: dict[str, Any], name: str, work: Callable[[], Any]) -> threading.Thread:
    """Run `work` in a new thread on its own Django connection (closed after), started at once;
    `outcome[name]` gets what it returned or the exception it raised, for the test to check."""

    def run() -> None:
        close_old_connections()
        try:
            outcome[name] = work()
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcome[name] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def lock_waiters() -> int:
    """How many sessions of this test database wait for a lock right now (the statistics are
    read afresh: inside a transaction PostgreSQL keeps the first snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return int(row[0])


def until_waiting(count: int) -> None:
    """Wait (10 s at most) until `count` sessions wait for a lock."""
    deadline = time.monotonic() + 10
    while lock_waiters() < count:
        assert time.monotonic() < deadline, f"never {count} sessions waiting for a lock"
        time.sleep(0.02)


def until_waiting_or_done(thread: threading.Thread, count: int = 1) -> None:
    """Wait (10 s at most) until `count` sessions wait for a lock or `thread` has ended: for a
    race that the code under test may not see (it takes no lock, and runs to its end)."""
    deadline = time.monotonic() + 10
    while thread.is_alive() and lock_waiters() < count:
        assert time.monotonic() < deadline, f"never {count} sessions waiting for a lock"
        time.sleep(0.02)


def met_behind(
    take: Callable[[], Any],
    first: tuple[str, Callable[[], Any]],
    second: tuple[str, Callable[[], Any]],
) -> dict[str, Any]:
    """Lock rows with `take` in a transaction of this session's, run `first` (name, work) until
    it waits for them, then `second` until it waits too, then let them go: each path has by
    then taken whatever it locks before those rows, and `first` is first in their queue (for a
    lock order test: two paths that take rows in opposite orders deadlock). What each path
    returned or raised, by name."""
    outcome: dict[str, Any] = {}
    with transaction.atomic():
        take()
        threads = [in_thread(outcome, *first)]
        until_waiting(1)
        threads.append(in_thread(outcome, *second))
        until_waiting(2)
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    return outcome


@contextmanager
def hung_redis_server() -> Iterator[str]:
    """The address (redis://) of a server that completes the TCP handshake (the kernel does,
    from the listen backlog) and never sends a byte: a hung Redis."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
