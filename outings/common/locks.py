"""PostgreSQL's session-level advisory locks, for work that commits as it goes and so cannot
hold a transaction's lock (pg_advisory_xact_lock ends with the first commit): the start-up's
migrations (startup.PREPARE_LOCK), an import written in batches (import_listings' IMPORT_LOCK).
Their keys are plain numbers of one space: give a new one a number of its own."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection


@contextmanager
def session_lock(key: int, *, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the advisory lock `key` on Django's connection, for the session, for the block:
    while another session holds it, this one waits, after calling `on_wait` (to say so). Released
    at the end of the block, and by the server if this process dies. Call outside a transaction
    (the block's own commits keep it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        row = cursor.fetchone()
        if not (row and row[0]):
            if on_wait is not None:
                on_wait()
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        except DatabaseError:
            # The connection is gone (the server restarted, the network dropped it), and the
            # lock with its session: what the block raised, if anything, is what went wrong, not
            # a traceback of this unlock.
            if connection.is_usable():
                raise
