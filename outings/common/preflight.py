"""Checks that run before anything starts, each failing with one line that names the culprit."""

from __future__ import annotations

import errno
import os
import socket
from typing import Any
from urllib.parse import unquote, urlsplit


class PreflightError(Exception):
    """A configuration problem, phrased for the person who has to fix it."""


def check_database_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise PreflightError(f"DATABASE_URL is malformed: {error}") from error
    if parts.scheme not in {"postgres", "postgresql"}:
        raise PreflightError(
            f"DATABASE_URL must start with postgres:// or postgresql://, not {parts.scheme!r}://"
            if parts.scheme
            else "DATABASE_URL is malformed: expected postgres://user@host:port/db"
        )
    arguments = _connection_arguments(url)
    if not arguments.get("dbname"):
        raise PreflightError("DATABASE_URL is malformed: expected postgres://user@host:port/db")
    import psycopg

    where = f"{arguments.get('host') or 'the default socket'}:{port or 5432}"
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


def check_redis_url(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except (ValueError, redis.RedisError) as error:
        parts = urlsplit(url)
        where = f"{parts.hostname}:{parts.port or 6379}{parts.path}"  # never the password
        raise PreflightError(f"REDIS_URL: cannot reach Redis at {where}: {error}") from error


def check_broker_url(url: str) -> None:
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
