"""Review (session 25): `manage.py import_listings` run twice at once (two terminals, a cron
overlapping a slow run). Both wrote the same new rows: the second's batch waited for the first's
demo hosts and, once the first committed, failed on their keys, "CommandError: toronto: could
not write rows ... duplicate key value violates unique constraint", status 1. The second now
waits for the first under an advisory lock (import_listings.IMPORT_LOCK), saying so, then runs
and finds the first's rows unchanged. Real processes against the test database, as an operator
runs them. The first test failed on the code it was written against."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from outings.catalog.management.commands.import_listings import IMPORT_LOCK, WAITING
from outings.catalog.models import Listing
from outings.common.tests.connections import lock_waiters, other_connection
from outings.common.tests.test_operations import _env
from tests.live_gunicorn import served_database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("categories")]

ROOT = Path(__file__).resolve().parents[3]
IMPORT = ["import_listings", "--source", "toronto", "--limit", "20", "--today", "2027-01-04"]


def _import(var_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *IMPORT, "--quiet"],
        cwd=ROOT,
        env=_env(SECRET_KEY="k", DATABASE_URL=served_database_url(), OUTINGS_VAR_DIR=str(var_dir)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _until_waiting(count: int, processes: list[subprocess.Popen[str]]) -> None:
    """Wait until `count` sessions wait for a lock: Django's start in each process (2-5 s
    here), then its import up to the lock it waits for."""
    deadline = time.monotonic() + 60
    while lock_waiters() < count:
        for process in processes:
            assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"never {count} sessions waiting for a lock"
        time.sleep(0.1)


def _counts(stdout: str) -> dict[str, int]:
    """The summary's counts for toronto, by column (not the seconds it took)."""
    header, line = stdout.splitlines()[:2]
    return dict(zip(header.split()[1:-1], map(int, line.split()[1:-1]), strict=True))


def test_a_second_import_waits_for_the_first_then_runs(tmp_path):
    # The first import is held in its first batch (its demo hosts written, not committed) by a
    # session that keeps the listings' table from being written: the second starts meanwhile.
    with other_connection() as holder:
        holder.execute("LOCK TABLE catalog_listing IN EXCLUSIVE MODE")
        first = _import(tmp_path / "first")
        try:
            _until_waiting(1, [first])
            second = _import(tmp_path / "second")
            _until_waiting(2, [first, second])
        finally:
            holder.rollback()
        first_out, first_err = first.communicate(timeout=300)
        second_out, second_err = second.communicate(timeout=300)

    assert first.returncode == 0, first_err[-2000:]
    assert second.returncode == 0, second_err[-2000:]
    assert second_err.splitlines()[0] == WAITING
    assert WAITING not in first_err
    assert "Traceback" not in second_err
    made = _counts(first_out)
    assert made["created"] > 0
    assert _counts(second_out) == made | {
        "created": 0,
        "unchanged": made["created"],
        "hosts": 0,
        "slots": 0,
    }
    assert Listing.objects.count() == made["created"]


def test_an_import_that_stops_lets_the_next_one_run_at_once(tmp_path):
    # A refused import (its file unreadable) gives the lock back: the next neither waits nor
    # says it does.
    with pytest.raises(CommandError, match=r"toronto_festivals_events\.csv\.gz"):
        call_command(*IMPORT, "--quiet", "--data-dir", str(tmp_path))

    with other_connection() as other:
        row = other.execute("SELECT pg_try_advisory_lock(%s)", [IMPORT_LOCK]).fetchone()
        assert row == (True,)
