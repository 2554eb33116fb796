import os
import signal
import socket
import tempfile
import time

import psycopg
import pytest

from outings.common import embedded


@pytest.fixture
def scratch_server(monkeypatch):
    # Not under pytest's tmp_path: run as root, the server runs as its own user, and every
    # pytest session of this user takes group and other access off /tmp/pytest-of-<user>
    # again when it starts, so another test run on the machine could lock the server out of
    # its data between the start-up's chmod and initdb.
    with tempfile.TemporaryDirectory(prefix="outings-embedded-test-") as folder:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        monkeypatch.setenv("OUTINGS_VAR_DIR", folder)
        monkeypatch.setenv("OUTINGS_PG_PORT", str(port))
        try:
            yield port
        finally:
            embedded.stop()


def _postmaster_pid() -> int:
    return int((embedded.data_dir() / "postmaster.pid").read_text().splitlines()[0])


def test_the_embedded_server_survives_a_crash_of_the_previous_run(scratch_server):
    assert embedded.start() is True
    assert embedded.start() is False  # already running: reused, not started twice
    with psycopg.connect(f"postgresql://outings@127.0.0.1:{scratch_server}/outings") as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("outings",)
        # Byte-order collation, UTF-8 character classes (when the system has such a locale).
        row = conn.execute(
            "SELECT datcollate, datctype, lower('Музей') FROM pg_database"
            " WHERE datname = current_database()"
        ).fetchone()
        assert row is not None
        collate, ctype, lowered = row
        assert collate == "C"
        if embedded.utf8_ctype() is not None:
            assert (ctype, lowered) == (embedded.utf8_ctype(), "музей")

    os.kill(_postmaster_pid(), signal.SIGKILL)  # a crash: postmaster.pid stays behind
    deadline = time.monotonic() + 10
    while embedded.is_running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert (embedded.data_dir() / "postmaster.pid").exists()

    assert embedded.start() is True
    with psycopg.connect(f"postgresql://outings@127.0.0.1:{scratch_server}/outings") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)

    embedded.stop()
    assert not embedded.is_running()


def test_a_port_taken_by_another_program_is_reported(scratch_server):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", scratch_server))
        busy.listen()

        with pytest.raises(embedded.EmbeddedPostgresError, match="is taken by another program"):
            embedded.start()
