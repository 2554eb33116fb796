"""outings.common.locks.session_lock (session 25: import_listings runs one at a time under it, as
the start-up does): a block whose database session was lost meanwhile (the server restarted, the
network dropped the connection) ends with what the block raised, not with a traceback of the
unlock, which the lost session's end made moot: an import stopped so says its one line."""

import pytest
from django.core.management.base import CommandError
from django.db import connection

from outings.common.locks import session_lock
from outings.common.tests.connections import other_connection

pytestmark = pytest.mark.django_db(transaction=True)

KEY = 7_411_999  # no code's


def _end_this_session() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    with other_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])  # waits for its end


def _held_by_another() -> bool:
    with other_connection() as other:
        row = other.execute("SELECT pg_try_advisory_lock(%s)", [KEY]).fetchone()
        return row != (True,)


def _stopped_after_losing_its_session() -> None:
    """An import's batch failing on a lost connection: CommandError, its one line."""
    with session_lock(KEY):
        _end_this_session()
        raise CommandError("the batch could not be written")


def test_a_block_whose_session_was_lost_ends_with_what_it_raised():
    try:
        with pytest.raises(CommandError, match="the batch could not be written"):
            _stopped_after_losing_its_session()
    finally:
        connection.close()  # the lost one: the test's teardown opens a new one

    assert not _held_by_another()


def test_the_lock_is_held_for_the_block_and_given_back_after_it():
    # The control: with the session alive, the block holds the lock and the end releases it.
    with session_lock(KEY):
        assert _held_by_another()

    assert not _held_by_another()
