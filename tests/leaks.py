"""What a test module leaves open: the pytest process's file descriptors (sockets by the port
they talk to, pipes, files) and the sessions connected to the test database, before the module's
first test and after its last (its module fixtures torn down).

Off unless asked: `pytest --leaks` (or OUTINGS_LEAKS=1) prints one line per module that leaves
something behind, and a total at the end; `--leaks-max=N` also fails the run when a module leaves
more than N descriptors or database sessions open. It costs one listing of /proc/self/fd and one
short-lived connection per module. Linux only (it reads /proc)."""

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

PORTS = {5432: "postgres", 6379: "redis", 5672: "amqp"}


def _socket_ports() -> dict[str, str]:
    """inode -> what the TCP socket talks to ('postgres', 'redis', 'tcp:<port>', 'listen')."""
    named: dict[str, str] = {}
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, remote, state, inode = parts[1], parts[2], parts[3], parts[9]
            if state == "0A":
                named[inode] = f"listen:{int(local.rsplit(':', 1)[1], 16)}"
                continue
            port = int(remote.rsplit(":", 1)[1], 16)
            named[inode] = PORTS.get(port, f"tcp:{port}")
    return named


def open_fds() -> Counter[str]:
    """The process's open descriptors, counted by kind."""
    kinds: Counter[str] = Counter()
    sockets = None
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if target.startswith("socket:["):
            if sockets is None:
                sockets = _socket_ports()
            kinds[sockets.get(target[8:-1], "socket")] += 1
        elif target.startswith("pipe:"):
            kinds["pipe"] += 1
        elif target.startswith("anon_inode:"):
            kinds[target[11:].strip("[]")] += 1
        else:
            kinds["file"] += 1
    return kinds


def database_sessions() -> int | None:
    """Sessions connected to the test database (from any process), not counting this one's."""
    database = settings.DATABASES["default"]
    if not str(database["NAME"]).startswith("test_"):
        return None  # the test database is not set up yet (or no test used it)
    try:
        with psycopg.connect(
            dbname=database["NAME"],
            user=database["USER"],
            password=database["PASSWORD"],
            host=database["HOST"],
            port=database["PORT"] or 5432,
            connect_timeout=5,
        ) as probe:
            row = probe.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row else None


@dataclass
class Snapshot:
    fds: Counter[str]
    sessions: int | None

    @classmethod
    def take(cls) -> "Snapshot":
        return cls(open_fds(), database_sessions())


def grown_by(before: Snapshot, after: Snapshot) -> int:
    """The larger growth of the two: descriptors, or sessions on the test database."""
    fds = sum(after.fds.values()) - sum(before.fds.values())
    if before.sessions is None or after.sessions is None:
        return fds
    return max(fds, after.sessions - before.sessions)


def difference(before: Snapshot, after: Snapshot) -> str:
    """'+3 fds (postgres +2, pipe +1), +2 db sessions', or '' when nothing grew or shrank."""
    kinds = sorted(set(before.fds) | set(after.fds))
    changed = {kind: after.fds[kind] - before.fds[kind] for kind in kinds}
    changed = {kind: delta for kind, delta in changed.items() if delta}
    words = []
    total = sum(after.fds.values()) - sum(before.fds.values())
    if changed:
        detail = ", ".join(f"{kind} {delta:+d}" for kind, delta in changed.items())
        words.append(f"{total:+d} fds ({detail})")
    if before.sessions is not None and after.sessions is not None:
        sessions = after.sessions - before.sessions
        if sessions:
            words.append(f"{sessions:+d} db sessions")
    return ", ".join(words)


class LeakReport:
    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.over: list[str] = []
        self.lines: list[str] = []
        self.before: Snapshot | None = None
        self.first: Snapshot | None = None
        self.last: Snapshot | None = None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Iterator[None]:
        if self.before is None:
            self.before = Snapshot.take()
            self.first = self.first or self.before
        yield
        if nextitem is not None and nextitem.path == item.path:
            return
        after = Snapshot.take()
        if self.first is not None and self.first.sessions is None:
            self.first.sessions = after.sessions  # the test database exists from here on
        grown = difference(self.before, after)
        if grown:
            self.lines.append(f"{item.location[0]}: {grown}")
            if self.limit is not None and grown_by(self.before, after) > self.limit:
                self.over.append(self.lines[-1])
            item.config.get_terminal_writer().line(
                f"\n[leaks] {self.lines[-1]}"
                f" (now {sum(after.fds.values())} fds, {after.sessions} db sessions)"
            )
        self.before = None
        self.last = after

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.first is None or self.last is None:
            return
        terminalreporter.section("files, sockets and database sessions left open by modules")
        for line in self.lines:
            terminalreporter.write_line(line)
        whole = difference(self.first, self.last) or "nothing"
        terminalreporter.write_line(
            f"whole run: {whole}; {sum(self.last.fds.values())} fds open at the end,"
            f" {self.last.sessions} db sessions"
        )
        for line in self.over:
            terminalreporter.write_line(f"LEAK over --leaks-max={self.limit}: {line}", red=True)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.over and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--leaks",
        action="store_true",
        help="report the files, sockets and database sessions each test module leaves open",
    )
    parser.addoption(
        "--leaks-max",
        type=int,
        default=None,
        metavar="N",
        help="with the report, fail the run if a module leaves more than N of them open",
    )


def pytest_configure(config: pytest.Config) -> None:
    limit = config.getoption("--leaks-max")
    if config.getoption("--leaks") or limit is not None or os.environ.get("OUTINGS_LEAKS") == "1":
        config.pluginmanager.register(LeakReport(limit), "outings-leaks")
