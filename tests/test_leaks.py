"""The --leaks report's counting (tests/leaks.py): what it calls each descriptor, and what it
reports as grown."""

import os
import socket
from collections import Counter

from tests.leaks import Snapshot, difference, grown_by, open_fds


def test_it_names_sockets_by_what_they_talk_to_and_counts_pipes():
    before = open_fds()
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = server.accept()
    read, write = os.pipe()
    try:
        now = open_fds()
    finally:
        for closing in (server, client, accepted):
            closing.close()
        os.close(read)
        os.close(write)

    assert now[f"listen:{port}"] == before[f"listen:{port}"] + 1
    assert now[f"tcp:{port}"] == before[f"tcp:{port}"] + 1  # the client's end
    assert now["pipe"] == before["pipe"] + 2
    assert open_fds() == before


def test_it_reports_what_grew_and_by_how_much():
    before = Snapshot(Counter({"file": 3, "redis": 1}), sessions=2)
    after = Snapshot(Counter({"file": 3, "redis": 4, "postgres": 1}), sessions=5)

    assert difference(before, after) == "+4 fds (postgres +1, redis +3), +3 db sessions"
    assert grown_by(before, after) == 4
    assert difference(before, before) == ""
    assert grown_by(before, Snapshot(Counter({"file": 3, "redis": 1}), sessions=9)) == 7
