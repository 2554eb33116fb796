"""`make run`: one command that brings the whole of Outings up on this machine and down again.

Order: take the run lock, check the configured servers and read the settings, start the embedded
PostgreSQL (when DATABASE_URL is unset), migrate, collect static files, create the demo accounts,
import the catalogue once, then run web (gunicorn, WSGI), the front address (uvicorn: websockets
to Channels, HTTP proxied to gunicorn), two Celery workers (urgent+default, and slow) and Celery
beat under honcho with prefixed logs. Ctrl-C stops them all, then PostgreSQL if we started it.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import fcntl
import os
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import django
import honcho.compat
import honcho.manager
from django.core.exceptions import ImproperlyConfigured

from outings.common import embedded, preflight, tether

ROOT = Path(__file__).resolve().parents[2]


def _acquire_lock(path: Path) -> IO[str] | None:
    """An exclusive lock held for the life of this process; the kernel drops it if we die."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _whole_number(variable: str, default: int, *, least: int, most: int | None = None) -> int:
    """The integer in the environment variable `variable` (`default` when unset) within the
    bounds; a value that is not one, or is out of them, raises PreflightError naming it."""
    value = os.environ.get(variable)
    if value is None:
        return default
    return _within(variable, value, least=least, most=most)


def _within(name: str, value: str, *, least: int, most: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError as error:
        raise preflight.PreflightError(f"{name} must be a whole number, not {value!r}") from error
    if number < least:
        raise preflight.PreflightError(
            f"{name} must be a whole number of at least {least}, not {number}"
        )
    if most is not None and number > most:
        raise preflight.PreflightError(
            f"{name} must be a whole number of at most {most}, not {number}"
        )
    return number


# The front listens on the port and gunicorn on the next one, so both must be ports.
HIGHEST_PORT = 65534


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    """The command line, its defaults from the environment. A port out of 1-65534 (gunicorn
    serves the next one) or fewer than one web worker (a gunicorn with none accepts every
    connection and answers none) raises PreflightError naming the variable or option."""
    parser = argparse.ArgumentParser(prog="outings-run", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("OUTINGS_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", default=_whole_number("OUTINGS_PORT", 8000, least=1, most=HIGHEST_PORT)
    )
    parser.add_argument("--web-workers", default=_whole_number("WEB_CONCURRENCY", 3, least=1))
    parser.add_argument(
        "--skip-import", action="store_true", help="do not import the bundled catalogue"
    )
    args = parser.parse_args(argv)
    args.port = _within("--port", str(args.port), least=1, most=HIGHEST_PORT)
    args.web_workers = _within("--web-workers", str(args.web_workers), least=1)
    return args


def _check_database_port(port: int) -> None:
    """The embedded PostgreSQL's port (OUTINGS_PG_PORT) must be neither of make run's own: the
    site's `port` and gunicorn's after it. Checked before the server starts, whose port the
    check of the free ports cannot see taken yet; else PreflightError naming the variable (an
    EmbeddedPostgresError if OUTINGS_PG_PORT is no port at all)."""
    database = embedded.port()
    if database in (port, port + 1):
        raise preflight.PreflightError(
            f"OUTINGS_PG_PORT: {database} is one of make run's own ports ({port} for the site, "
            f"{port + 1} for gunicorn behind it); set OUTINGS_PG_PORT to another port"
        )


# gunicorn's access line with a time, a level and the request's id (its X-Request-ID answer).
ACCESS_LOG_FORMAT = (
    "%(t)s INFO [%({x-request-id}o)s] gunicorn.access: %(m)s %(U)s%(q)s %(s)s %(M)sms"
)


# The largest websocket message uvicorn reads (its --ws-max-size; deploy/Procfile's `ws` gives the
# same). The consumers refuse a text frame over WEBSOCKET_MAX_MESSAGE_BYTES (4 KiB) with an error
# frame, but only once uvicorn has read all of it: its default, 16 MiB a message and 32 messages
# queued a socket, let any visitor of a listing page make the server hold half a GiB per socket
# (until session 24). A larger message is not read; the socket is closed with 1009.
WS_MAX_SIZE = 64 * 1024


def _processes(args: argparse.Namespace) -> dict[str, list[str]]:
    py = sys.executable
    upstream_port = args.port + 1
    return {
        "web": [
            py,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{upstream_port}",
            "--workers",
            str(args.web_workers),
            "--access-logfile",
            "-",
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            # gunicorn's control socket (for gunicornc) sits at one path per user,
            # ~/.gunicorn/gunicorn.ctl: a second gunicorn on the machine (a bench, another
            # checkout's make run) takes it over, and the first to stop deletes the other's.
            "--no-control-socket",
        ],
        "front": [
            py,
            "-m",
            "uvicorn",
            "config.front:app",
            "--host",
            args.host,
            "--port",
            str(args.port),
            "--no-access-log",
            "--lifespan",
            "on",
            "--ws-max-size",
            str(WS_MAX_SIZE),
        ],
        # Urgent work (mail, notifications) and everything else on one worker; slow work
        # (images, statistics) on its own, so that it can never delay a booking's email.
        "worker": [
            py,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            "urgent,default",
            "--hostname",
            "main@%h",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
        ],
        "slow": [
            py,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            "slow",
            "--hostname",
            "slow@%h",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [py, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
    }


def _tethered(command: list[str]) -> str:
    """The shell line honcho runs for `command`: exec'd (so that honcho's child stays its
    parent) through outings.common.tether, so that it stops when that child does."""
    launcher = [sys.executable, "-m", "outings.common.tether", *command]
    return f"exec {shlex.join(launcher)}"


WARM_EXPIRES = 600  # seconds
# How long Ctrl-C waits for the processes to stop by themselves before it kills them (honcho's
# own 5 s was shorter than a Celery worker's warm shutdown on the filesystem broker: its
# synchronous loop notices the signal only between two 2 s polls, then the pool and the timer
# each finish a 1 s sleep, 4-6 s on a busy machine, and it was killed, its task in flight
# redelivered). A task still running after this is killed and redelivered (acks_late).
STOP_WAIT = 20  # seconds


class _Signals(honcho.compat.ProcessManager):  # type: ignore[misc]
    """How honcho signals the commands. Each command leads a process group of its own, and
    honcho sent SIGTERM to the whole group: a Celery worker's pool processes got it beside their
    main process, took its default action (Celery resets it in them) and died at once, their
    tasks in flight given back to the broker to run again at the next start, instead of the
    warm shutdown finishing them. SIGTERM now goes to the command's own process only, which
    stops its children itself (Celery's main process its pool, once their tasks are done;
    gunicorn's arbiter its workers); the SIGKILL of whatever still runs STOP_WAIT seconds later
    still goes to the whole group (honcho's own `kill`), so that nothing is left running."""

    def terminate(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # gone meanwhile
            os.kill(pid, signal.SIGTERM)


def _stop_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _silence_output() -> None:
    """Point stdout and stderr at /dev/null: whoever read them is gone."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        os.dup2(devnull, stream.fileno())
    os.close(devnull)


class _Output:
    """What honcho's printer writes to: sys.stdout, until its reader is gone (a `tee` that the
    same Ctrl-C stopped, a `less` quit, a terminal closed), which fails every write (EPIPE,
    EIO). The rest then goes to /dev/null: the exception ended honcho's loop before it stopped
    anything, the embedded PostgreSQL was stopped under the running servers, and the runner
    waited for ever in multiprocessing's join of honcho's relays.

    honcho's SIGINT and SIGTERM handler prints too ("SIGINT received", "sending SIGTERM to
    ..."), and a handler runs in the main thread between two bytecodes, so a Ctrl-C arriving
    while the loop was printing a line wrote into sys.stdout's buffer inside its own write:
    RuntimeError "reentrant call", which ended the loop with nothing stopped (the same hang).
    What a handler says while a write is under way is kept and written right after it."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._busy = False
        self._waiting: list[str] = []

    def write(self, text: str) -> int:
        if self._busy:  # a signal handler's, inside a write of ours
            self._waiting.append(text)
            return len(text)
        self._busy = True
        try:
            self._stream.write(text)
            while self._waiting:
                self._stream.write(self._waiting.pop(0))
        except OSError:
            _silence_output()
        finally:
            self._busy = False
        return len(text)

    def flush(self) -> None:
        if self._busy:  # the write under way is flushed by its own caller
            return
        self._busy = True
        try:
            while True:
                while self._waiting:
                    self._stream.write(self._waiting.pop(0))
                self._stream.flush()
                if not self._waiting:  # nothing said by a handler during the flush
                    break
        except OSError:
            _silence_output()
        finally:
            self._busy = False

    def isatty(self) -> bool:
        return self._stream.isatty()


def _hung_up(manager: honcho.manager.Manager) -> Callable[[int, object], None]:
    """SIGHUP while serving: the terminal `make run` ran in was closed (or the ssh session
    dropped). Stop everything as Ctrl-C does; honcho handles SIGINT and SIGTERM only, and the
    default action killed the runner on the spot, leaving the embedded PostgreSQL running.
    The terminal is gone, so what is still said goes nowhere (on a hung-up terminal isatty()
    is false, and _Output would learn it only from a failed write).
    honcho's relays are forked with this handler and get the terminal's SIGHUP too: there it
    does nothing, and they stop with their commands, as they do on Ctrl-C (they ignore SIGINT);
    the commands, exec'd, have SIGHUP's default back."""
    runner = os.getpid()

    def stop(signum: int, frame: object) -> None:
        if os.getpid() != runner:
            return
        _silence_output()
        manager.returncode = 128 + signum
        manager.terminate()

    return stop


def _start_database() -> None:
    """Start the embedded PostgreSQL, or use the one running: a killed run's (SIGKILL, the OOM
    killer: a daemon, which it could not stop), or one `make test` holds. embedded.run_marker()
    says whether this run is to stop it at its end (_stop_database); we hold the run lock, so
    the run that left a marker is gone, and `make test` gives the server to this run if the
    suite ends first (embedded.release)."""
    if embedded.start():
        embedded.run_marker().touch()
    elif embedded.run_marker().exists():
        print("outings | taking over the embedded PostgreSQL a killed run left", flush=True)


def _stop_database() -> bool:
    """Stop the embedded PostgreSQL if it is this run's to stop (not while `make test` holds
    it); True if stopped."""
    if not embedded.run_marker().exists():
        return False
    embedded.stop()
    embedded.run_marker().unlink(missing_ok=True)
    return True


def _setup_django() -> None:
    """Read the settings and load the apps (nothing connects to a server yet). A value that
    config/settings.py cannot read raises ImproperlyConfigured naming its variable."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def _prepare(args: argparse.Namespace) -> list[str]:
    """Migrate, collect static files, seed and import (Django set up). Returns the demo account
    lines."""
    from django.conf import settings
    from django.core.management import call_command

    from outings.accounts.demo import ensure_demo_accounts
    from outings.common.models import Milestone
    from outings.common.services import reach_milestone
    from outings.common.startup import collect_static_and_migrate, start_up_lock

    for folder in ("celery/queue", "celery/processed", "celery/control", "mail", "cache", "media"):
        (Path(settings.VAR_DIR) / folder).mkdir(parents=True, exist_ok=True)
    # Several app servers may start at once against one database: one migrates (and imports)
    # while the others wait for it under this lock, then find nothing left to do.
    with start_up_lock():
        collect_static_and_migrate()
        print("outings | database migrated", flush=True)
        # Demo accounts (staff among them, passwords printed) only in the embedded demo: never
        # in a real database.
        accounts = ensure_demo_accounts() if settings.EMBEDDED else []
        if (
            not args.skip_import
            and not Milestone.objects.filter(name="catalogue-imported").exists()
        ):
            print("outings | importing the bundled catalogue (first run only) ...", flush=True)
            call_command("import_listings")
            call_command("refresh_search")
            reach_milestone(name="catalogue-imported")
    return accounts


def _behind_the_front(env: dict[str, str]) -> dict[str, str]:
    """gunicorn's environment: the front (config.front) is one more proxy that appends to
    X-Forwarded-For, in front of gunicorn, than API_TRUSTED_PROXIES counts in front of the
    site, so that each visitor is counted by their own address (the API's throttles, the
    log-in limits: outings.common.proxies.client_ip), not by the front's 127.0.0.1, which was
    every visitor's until session 24. The settings were read already: a malformed value
    stopped the start."""
    from django.conf import settings

    return {**env, "API_TRUSTED_PROXIES": str(settings.API_TRUSTED_PROXIES + 1)}


def _queue_cache_warming() -> None:
    """The slow worker renders the most visited pages into the page cache once it is up
    (docs/caching.md); a broker that cannot take the message only costs those first visitors
    a render. A message no worker took within WARM_EXPIRES seconds is dropped: by then the
    pages were rendered by their visitors."""
    from kombu.exceptions import OperationalError

    from outings.web.tasks import warm_cache

    try:
        warm_cache.apply_async(expires=WARM_EXPIRES)
    except OperationalError as error:
        print(f"outings | cache warming not queued: {error}", flush=True)


def _let_go() -> None:
    """Close what the start opened and serving does not use: the database pool (its
    connections and its four threads) and Celery's broker connections. The runner then only
    relays output for hours; it held them all the while (an AMQP connection sends no heartbeat
    unless asked, and RabbitMQ drops it after a minute with a warning), forked honcho's relays
    from a process with threads (a fork copies the locks other threads hold), and stopped the
    embedded PostgreSQL under its own connections."""
    from django.db import connections

    from config.celery import app

    for database in connections.all(initialized_only=True):
        database.close()
        database.close_pool()  # type: ignore[attr-defined]  # PostgreSQL's (Django 5.1+); no stub
    # app.pool is kombu's ConnectionPool; celery-types calls it a ProducerPool. Closed for good:
    # nothing in the runner publishes after this (a publish would fail, "Acquire on closed pool").
    app.pool.force_close_all()  # type: ignore[attr-defined]


def _fail(error: Exception) -> int:
    print(f"error: {error}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parse(sys.argv[1:] if argv is None else argv)
    except preflight.PreflightError as error:
        return _fail(error)
    os.chdir(ROOT)
    try:
        lock = _acquire_lock(embedded.var_dir() / "run.lock")
    except OSError as error:  # a folder under a file, or one the user may not write to
        return _fail(
            preflight.PreflightError(
                f"OUTINGS_VAR_DIR: cannot use {embedded.var_dir()}: {error.strerror}"
            )
        )
    if lock is None:
        pid = (embedded.var_dir() / "run.lock").read_text().strip() or "?"
        print(
            f"error: Outings is already running (pid {pid}); stop it with Ctrl-C first",
            file=sys.stderr,
        )
        return 1
    uses_embedded = False
    # Until honcho's loop takes over, SIGTERM (a service manager stopping us during a long first
    # import) unwinds through the handler below, which stops the embedded PostgreSQL.
    # SIGHUP (the terminal closed) likewise.
    signal.signal(signal.SIGTERM, _stop_on_signal)
    signal.signal(signal.SIGHUP, _stop_on_signal)
    # `kill -USR1 <pid>` prints every thread's stack to the output, the runner going on: where
    # a runner that does not stop waits (the tests ask when a Ctrl-C is not obeyed in time).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        preflight.check_port_free(args.host, args.port, "OUTINGS_PORT")
        preflight.check_port_free("127.0.0.1", args.port + 1, "OUTINGS_PORT")
        if not os.environ.get("DATABASE_URL"):
            _check_database_port(args.port)
        # Every configured server, in either profile: REDIS_URL or CELERY_BROKER_URL may be set
        # with the embedded PostgreSQL.
        preflight.check_environment(os.environ)
        _setup_django()
        if not os.environ.get("DATABASE_URL"):
            _start_database()
            uses_embedded = True
            print(
                f"outings | embedded PostgreSQL on 127.0.0.1:{embedded.port()} "
                f"(data in {embedded.data_dir()})",
                flush=True,
            )
        accounts = _prepare(args)
    except (
        preflight.PreflightError,
        ImproperlyConfigured,
        embedded.EmbeddedPostgresError,
    ) as error:
        if uses_embedded:
            _stop_database()
        return _fail(error)
    except BaseException:
        if uses_embedded:
            _stop_database()
        raise

    from honcho.printer import Printer

    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "OUTINGS_WSGI_UPSTREAM": f"http://127.0.0.1:{args.port + 1}/",
    }
    output = _Output(sys.stdout)
    manager = honcho.manager.Manager(Printer(output, colour=output.isatty()))
    manager._procmgr = _Signals()  # honcho offers no setting for how it signals
    try:
        # Until honcho's loop takes SIGTERM and SIGINT over, they unwind through this finally.
        _queue_cache_warming()
        _let_go()
        # honcho's children die with the runner, and each command with its honcho child.
        tether.tether_forked_children()
        honcho.manager.KILL_WAIT = STOP_WAIT  # read by Manager.loop; honcho offers no setting
        environments = {"web": _behind_the_front(env)}
        for name, command in _processes(args).items():
            manager.add_process(
                name, _tethered(command), env=environments.get(name, env), cwd=str(ROOT)
            )
        host = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address
        url = f"http://{host}:{args.port}/"
        print(
            "\n".join(
                [
                    "",
                    f"  Outings is starting on {url}",
                    f"  Admin: {url}admin/   Health: {url}health",
                    *[f"  {line}" for line in accounts],
                    "  Press Ctrl-C to stop everything.",
                    "",
                ]
            ),
            flush=True,
        )
        signal.signal(signal.SIGHUP, _hung_up(manager))
        manager.loop()
    finally:
        if uses_embedded and _stop_database():
            print("outings | embedded PostgreSQL stopped", file=output, flush=True)
        lock.close()
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
