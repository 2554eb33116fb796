"""Review of the size of a websocket frame a client may make the server read (session 24).

The consumers refuse a text frame over WEBSOCKET_MAX_MESSAGE_BYTES (4 KiB) with an error frame,
but only once uvicorn has read the whole message: uvicorn's own limit, `--ws-max-size`, was its
default, 16 MiB, with up to `--ws-max-queue` (32) messages queued per socket. Any visitor of a
listing page (no sign-in needed) could make the websocket server hold 16 MiB per frame, half a
GiB per socket, and have it decoded and measured before the refusal. Both ways the app serves
websockets now give uvicorn a bound (`outings.common.runner.WS_MAX_SIZE`): `make run`'s front
process and deploy/Procfile's `ws`. A larger frame is not read: the socket is closed with 1009
(message too big); a frame over 4 KiB within that bound is refused as before, the socket open.

A real uvicorn process, started as each of the two starts it, on the test database."""

import argparse
import contextlib
import json
import os
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from bench.server import free_port
from outings.catalog.tests.factories import ListingFactory
from outings.common import runner
from tests.live_gunicorn import served_database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
ONE_MIB = 1024 * 1024


def _runner_front(port: int) -> list[str]:
    args = argparse.Namespace(host="127.0.0.1", port=port, web_workers=1)
    return runner._processes(args)["front"]


def _procfile_ws(port: int) -> list[str]:
    line = next(
        line for line in (ROOT / "deploy" / "Procfile").read_text().splitlines()
        if line.startswith("ws:")
    )  # fmt: skip
    command = shlex.split(line.split("exec ", 1)[1])
    assert command[0] == "uvicorn"
    command = [sys.executable, "-m", *command]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    # The same bound as make run's (a Procfile cannot import it).
    assert command[command.index("--ws-max-size") + 1] == str(runner.WS_MAX_SIZE)
    return command


@contextlib.contextmanager
def _served(command: list[str], port: int, tmp_path: Path) -> Iterator[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"},
        "DATABASE_URL": served_database_url(),
        "OUTINGS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        "CACHE_KEY_PREFIX": f"test-frames-{port}",
        "DB_POOL_MAX": "2",
    }
    log = tmp_path / "ws.log"
    with (
        log.open("wb") as output,
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        ) as process,
    ):
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log.read_text()
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            yield f"ws://127.0.0.1:{port}"
        finally:
            process.kill()  # nothing of it to keep; Popen's exit waits for it


def _listing_socket(base: str, listing_id: int) -> ClientConnection:
    port = base.rsplit(":", 1)[1]
    return connect(
        f"{base}/ws/listings/{listing_id}/",
        origin=Origin(f"http://127.0.0.1:{port}"),
        max_size=None,
        open_timeout=10,
        close_timeout=5,
    )


SERVERS = [
    pytest.param(_runner_front, id="make-run-front"),
    pytest.param(_procfile_ws, id="procfile-ws"),
]


@pytest.mark.parametrize("command_for", SERVERS)
def test_a_frame_of_a_mebibyte_is_not_read_the_socket_is_closed_as_too_big(command_for, tmp_path):
    listing = ListingFactory.create()
    port = free_port()
    with (
        _served(command_for(port), port, tmp_path) as base,
        _listing_socket(base, listing.pk) as ws,
    ):
        ws.send("x" * ONE_MIB)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009


@pytest.mark.parametrize("command_for", SERVERS)
def test_a_frame_over_4_kib_within_the_bound_is_refused_and_the_socket_stays_open(
    command_for, tmp_path
):
    listing = ListingFactory.create()
    port = free_port()
    with (
        _served(command_for(port), port, tmp_path) as base,
        _listing_socket(base, listing.pk) as ws,
    ):
        ws.send("x" * 5000)
        refused = json.loads(ws.recv(timeout=10))
        ws.send(json.dumps({"type": "ping"}))
        answered = json.loads(ws.recv(timeout=10))

    assert refused == {"type": "error", "code": "too_large"}
    assert answered == {"type": "pong"}
