"""Checks that run before anything starts, each failing with one line that names the culprit."""

from __future__ import annotations

import errno
import os
import socket
from collections.abc import Collection
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from kombu.transport import TRANSPORT_ALIASES


class PreflightError(ImproperlyConfigured):
    """A configuration problem, phrased for the person who has to fix it. An ImproperlyConfigured,
    so that config/settings.py can raise it from the syntax checks below."""


# The URL schemes each server variable may use (redis-py's own; kombu's transports, whose
# scheme may carry a driver after a "+": sqla+postgresql://).
DATABASE_SCHEMES = ("postgres", "postgresql")
REDIS_SCHEMES = ("redis", "rediss", "unix")
BROKER_SCHEMES = tuple(sorted(TRANSPORT_ALIASES))


def check_url_syntax(variable: str, url: str, schemes: Collection[str], example: str) -> None:
    """`url` must be a URL with one of `schemes` and, if it has a port, a number there; else
    PreflightError naming `variable`. Connects to nothing: config/settings.py checks every
    server URL with it, so that gunicorn, a Celery worker or a management command started
    without `make run` refuses a malformed one before it serves anything."""
    if "://" not in url:
        raise PreflightError(f"{variable} is malformed: expected {example}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it is the check
    except ValueError as error:
        raise PreflightError(f"{variable} is malformed: {error}") from error
    if parts.scheme.partition("+")[0] not in schemes:
        allowed = [f"{scheme}://" for scheme in schemes]
        one_of = " or ".join(allowed) if len(allowed) < 3 else "one of " + ", ".join(allowed)
        raise PreflightError(f"{variable} must start with {one_of}, not {parts.scheme!r}://")


def check_database_url_syntax(url: str) -> None:
    """DATABASE_URL is a PostgreSQL URL naming a database (connects to nothing)."""
    example = "postgres://user@host:port/db"
    check_url_syntax("DATABASE_URL", url, DATABASE_SCHEMES, example)
    if not _connection_arguments(url).get("dbname"):
        raise PreflightError(f"DATABASE_URL is malformed: expected {example}")


def check_broker_url_syntax(url: str) -> None:
    """CELERY_BROKER_URL is one transport URL, or several separated by ";" (Celery fails over
    from one to the next); connects to nothing."""
    from kombu import Connection

    for part in url.split(";"):
        check_url_syntax(
            "CELERY_BROKER_URL", part.strip(), BROKER_SCHEMES, "amqp://user:pass@host:5672//"
        )
        # kombu reads the URL's options when it builds a connection (which connects to nothing
        # yet): a Celery worker's start, and the outbox's nudge after a request's commit, which
        # takes the broker's errors for an outage but let kombu's ValueError or TypeError
        # through (?heartbeat=abc, an option it does not know): every write that nudges
        # answered 500 once committed.
        try:
            Connection(part.strip())
        except (ValueError, TypeError) as error:
            raise PreflightError(f"CELERY_BROKER_URL is malformed: {error}") from error


def check_database_url(url: str) -> None:
    check_database_url_syntax(url)
    arguments = _connection_arguments(url)
    import psycopg

    where = f"{arguments.get('host') or 'the default socket'}:{urlsplit(url).port or 5432}"
    try:
        psycopg.connect(**{"connect_timeout": 5, **arguments}).close()
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise PreflightError(f"DATABASE_URL: cannot connect to {where}: {reason}") from error


def _connection_arguments(url: str) -> dict[str, Any]:
    """What Django will connect with (config/settings.py reads DATABASE_URL the same way): the
    host decoded, so that a socket folder works in either spelling, and the URL's options."""
    import environ

    config = environ.Env.db_url_config(url)
    arguments: dict[str, Any] = {
        "dbname": config.get("NAME"),
        "user": config.get("USER"),
        "password": config.get("PASSWORD"),
        "host": unquote(str(config.get("HOST") or "")),
        "port": config.get("PORT"),
        **dict(config.get("OPTIONS") or {}),
    }
    return {name: value for name, value in arguments.items() if value not in (None, "")}


def check_redis_url_syntax(url: str) -> None:
    """REDIS_URL is a URL redis-py reads (connects to nothing): its scheme, and what redis-py
    makes of the rest when a connection is first made, here, where it is only built. A query
    option redis-py refuses (`?socket_timeout=abc`, one it does not know, a TLS option on a
    plain connection) passed the scheme's check and failed each cache read with a ValueError
    or TypeError, which no caller takes for an outage: every page answered 500. A database that
    is no number (`/x`) redis-py ignores, and the deployment shared database 0."""
    check_url_syntax("REDIS_URL", url, REDIS_SCHEMES, "redis://host:6379/0")
    import redis

    database = urlsplit(url).path.strip("/")
    if not url.startswith("unix:") and database and not (database.isascii() and database.isdigit()):
        raise PreflightError(
            f"REDIS_URL is malformed: the database after the host must be a number, such as "
            f"redis://host:6379/0, not {database!r}"
        )
    try:
        redis.ConnectionPool.from_url(url).make_connection()
    except (ValueError, TypeError, redis.RedisError) as error:
        raise PreflightError(f"REDIS_URL is malformed: {error}") from error


def check_redis_url(url: str) -> None:
    check_redis_url_syntax(url)
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except (ValueError, redis.RedisError) as error:
        parts = urlsplit(url)
        where = f"{parts.hostname}:{parts.port or 6379}{parts.path}"  # never the password
        raise PreflightError(f"REDIS_URL: cannot reach Redis at {where}: {error}") from error


def check_broker_url(url: str) -> None:
    check_broker_url_syntax(url)
    if url.startswith("filesystem://"):
        return
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as error:
        raise PreflightError(f"CELERY_BROKER_URL: cannot reach the broker: {error}") from error


def check_port_free(host: str, port: int, variable: str) -> None:
    """Bind every address `host` (OUTINGS_HOST's) resolves to on `port` the way the server will
    (asyncio's create_server, under uvicorn: each of getaddrinfo's answers, IPv6 ones IPv6-only),
    so that `::1` is probed as IPv6. A port taken names `variable`; an address this machine
    cannot listen on names OUTINGS_HOST."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    unusable = f"OUTINGS_HOST: cannot listen on {host!r}"
    try:
        addresses = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as error:
        raise PreflightError(f"{unusable} ({error.strerror})") from error
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise PreflightError(
                        f"{variable}: {where} is already in use ({error.strerror}); "
                        f"set {variable} to a free port"
                    ) from error
                raise PreflightError(f"{unusable} ({error.strerror})") from error


def check_environment(environ: os._Environ[str] | dict[str, str]) -> None:
    """Every configured server must answer before we start, in either profile (REDIS_URL may
    be set with the embedded PostgreSQL)."""
    database_url = environ.get("DATABASE_URL", "")
    if database_url:
        if not environ.get("SECRET_KEY"):
            raise PreflightError("SECRET_KEY must be set when DATABASE_URL is set")
        check_database_url(database_url)
    if environ.get("REDIS_URL"):
        check_redis_url(environ["REDIS_URL"])
    if environ.get("CELERY_BROKER_URL"):
        check_broker_url(environ["CELERY_BROKER_URL"])
