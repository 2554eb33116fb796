"""The bench catalogue: at least 250,000 listings and 3,000,000 slots in a database of its own.

Built once on the server of the default database and reused by later runs:

1. `CREATE DATABASE outings_bench`, then `manage.py migrate` in a subprocess with DATABASE_URL
   pointing at it (run on every bench run: a no-op unless the tree has new migrations);
2. `manage.py import_listings --quiet`: the real catalogue (about 28,000 listings);
3. the real listings replicated in SQL (INSERT ... SELECT over generate_series), each copy
   jittered by up to ±0.05° in latitude and longitude, ±20 % in price and up to a year in age,
   with the real row's title, summary, description, category, tags and languages, so that every
   word is a real one. Copies are `source='bench-replica'` (source_id "<real id>:<copy>"),
   `is_demo=True` and carry 'bench-replica' in generated_fields. The search trigger builds each
   copy's search document on insert, as it would for a host's edit;
4. the real slots replicated onto the copies of their listing, shifted in time (a per-copy jitter
   of up to a week plus 20-day steps, wrapped into the next 120 days), with varied capacity,
   seats taken (some sold out) and a few cancelled; enough copies for 3,000,000 slots;
5. `manage.py refresh_search` (lexicon and autocomplete suggestions), then VACUUM ANALYZE.

Each step is recorded in the table `bench_search_catalogue` (in the bench database) in the same
transaction as its rows, so an interrupted build resumes where it stopped and a complete one is
skipped. The pseudo-random jitter is a hash of (row id, copy, salt): the same real catalogue
always gives the same bench catalogue. A build older than STALE_AFTER_DAYS (its slots drift into
the past) or made by another BUILD_VERSION of this module is dropped and built again.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from bench.measure import BenchError

ROOT_MODULE = "manage.py"
DATABASE = "outings_bench"
MARKER = "bench_search_catalogue"
BUILD_VERSION = "1"
STALE_AFTER_DAYS = 30

TARGET_LISTINGS = 250_000
TARGET_SLOTS = 3_000_000
SLOT_MARGIN = 1.05  # a few copies collide with another start of the same listing and are dropped
WINDOW_DAYS = 120
SLOT_STEP_DAYS = 20
JITTER_DEGREES = 0.05
REPLICA_SOURCE = "bench-replica"

Say = Callable[[str], None]


@dataclass(frozen=True)
class DatabaseServer:
    """Where the default database lives; the bench catalogue goes next to it."""

    host: str
    port: str
    user: str
    password: str
    default_database: str

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> DatabaseServer:
        return cls(
            host=str(settings_dict.get("HOST") or "127.0.0.1"),
            port=str(settings_dict.get("PORT") or "5432"),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
            default_database=str(settings_dict["NAME"]),
        )

    def conninfo(self, database: str = DATABASE) -> str:
        return make_conninfo(
            dbname=database,
            host=self.host,
            port=self.port,
            user=self.user or None,
            password=self.password or None,
        )

    def url(self, database: str = DATABASE) -> str:
        """A DATABASE_URL for Django (django-environ's syntax)."""
        credentials = quote(self.user, safe="")
        if self.password:
            credentials += ":" + quote(self.password, safe="")
        at = f"{credentials}@" if credentials else ""
        return f"postgres://{at}{self.host}:{self.port}/{database}"


@dataclass(frozen=True)
class Catalogue:
    listings: int
    slots_ahead: int  # open or not, starting within the next WINDOW_DAYS
    built_on: str


def django_env(server: DatabaseServer, **extra: str) -> dict[str, str]:
    """The environment of a Django process (manage.py, gunicorn) on the bench database."""
    return {
        **os.environ,
        "DATABASE_URL": server.url(),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
        **extra,
    }


def _manage(server: DatabaseServer, *args: str, timeout: float) -> None:
    env = django_env(server, DJANGO_SETTINGS_MODULE="config.settings")
    done = subprocess.run(
        [sys.executable, ROOT_MODULE, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise BenchError(f"manage.py {' '.join(args)} failed on {DATABASE}:\n{tail}")


def _marks(db: psycopg.Connection[Any]) -> dict[str, str]:
    exists = db.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER]).fetchone()
    if not exists or not exists[0]:
        return {}
    query = sql.SQL("SELECT key, value FROM {}").format(sql.Identifier(MARKER))
    return {str(key): str(value) for key, value in db.execute(query).fetchall()}


def _mark(db: psycopg.Connection[Any], key: str, value: str) -> None:
    db.execute(
        sql.SQL(
            "INSERT INTO {} (key, value) VALUES (%s, %s)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
        ).format(sql.Identifier(MARKER)),
        [key, value],
    )


def _is_stale(marks: dict[str, str], today: date) -> str | None:
    if not marks:
        return None
    if marks.get("version") != BUILD_VERSION:
        return f"built by version {marks.get('version')!r} of the builder, not {BUILD_VERSION}"
    built = marks.get("built_on")
    if built and (today - date.fromisoformat(built)).days > STALE_AFTER_DAYS:
        return f"built on {built}, more than {STALE_AFTER_DAYS} days ago (its slots are past)"
    return None


def _ensure_database(server: DatabaseServer, say: Say) -> None:
    today = datetime.now(UTC).date()
    # Connected to another database than the one we may drop (DATABASE_URL may name it).
    maintenance = server.default_database if server.default_database != DATABASE else "postgres"
    with psycopg.connect(server.conninfo(maintenance), autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if found.fetchone() is not None:
            with psycopg.connect(server.conninfo(), autocommit=True) as db:
                stale = _is_stale(_marks(db), today)
            if stale is None:
                return
            say(f"search: dropping the bench catalogue ({stale})")
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        say(f"search: creating database {DATABASE}")
        try:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        except psycopg.errors.InsufficientPrivilege as error:
            raise BenchError(
                f"cannot create the bench database {DATABASE} ({error}); create it as a "
                "superuser, owned by the application's role, and run the bench again"
            ) from error


def _uniform(key: sql.Composable, salt: int) -> sql.Composable:
    """A deterministic pseudo-random number in [0, 1) from a bigint key and a salt."""
    return sql.SQL("((hashint8extended(({})::bigint, {}) & 16777215)::float8 / 16777216)").format(
        key, sql.Literal(salt)
    )


def _columns(db: psycopg.Connection[Any], table: str) -> list[str]:
    """The columns an INSERT may list: every column but identity and generated ones."""
    rows = db.execute(
        """SELECT column_name FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = %s
             AND is_identity = 'NO' AND is_generated = 'NEVER'
           ORDER BY ordinal_position""",
        [table],
    ).fetchall()
    return [str(row[0]) for row in rows]


def _insert_select(
    table: str,
    columns: list[str],
    overrides: dict[str, sql.Composable],
    source_alias: str,
    rest: sql.Composable,
) -> sql.Composed:
    """INSERT INTO table (every column) SELECT (the source row's column, or its override) ..."""
    values = [
        overrides.get(
            name, sql.SQL("{}.{}").format(sql.Identifier(source_alias), sql.Identifier(name))
        )
        for name in columns
    ]
    return sql.SQL("INSERT INTO {} ({}) SELECT {} {}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(name) for name in columns),
        sql.SQL(", ").join(values),
        rest,
    )


def _replicate_listings(db: psycopg.Connection[Any], say: Say) -> int:
    real_row = db.execute(
        "SELECT count(*) FROM catalog_listing WHERE source <> %s", [REPLICA_SOURCE]
    ).fetchone()
    real = int(real_row[0]) if real_row else 0
    if real == 0:
        raise BenchError("the real catalogue is empty: import_listings imported nothing")
    copies = math.ceil(TARGET_LISTINGS / real) - 1
    key = sql.SQL("o.id * 64 + r.n")
    jitter = sql.Literal(2 * JITTER_DEGREES)
    overrides: dict[str, sql.Composable] = {
        "source": sql.Literal(REPLICA_SOURCE),
        "source_id": sql.SQL("o.id || ':' || r.n"),
        "is_demo": sql.SQL("TRUE"),
        "generated_fields": sql.SQL("o.generated_fields || {}::varchar").format(
            sql.Literal(REPLICA_SOURCE)
        ),
        "latitude": sql.SQL("least(90, greatest(-90, o.latitude + ({} - 0.5) * {}))").format(
            _uniform(key, 1), jitter
        ),
        "longitude": sql.SQL("least(180, greatest(-180, o.longitude + ({} - 0.5) * {}))").format(
            _uniform(key, 2), jitter
        ),
        "price_amount": sql.SQL("round(o.price_amount * (0.8 + 0.4 * {}))::integer").format(
            _uniform(key, 3)
        ),
        "created_at": sql.SQL("o.created_at - {} * interval '365 days'").format(_uniform(key, 4)),
        "updated_at": sql.SQL("now()"),
        "content_hash": sql.Literal(""),
        "version": sql.Literal(1),
    }
    statement = _insert_select(
        "catalog_listing",
        _columns(db, "catalog_listing"),
        overrides,
        "o",
        sql.SQL(
            "FROM catalog_listing o CROSS JOIN generate_series(1, {}) AS r(n)"
            " WHERE o.source <> {} ORDER BY r.n, o.id"
        ).format(sql.Literal(copies), sql.Literal(REPLICA_SOURCE)),
    )
    began = time.monotonic()
    inserted = db.execute(statement).rowcount
    say(
        f"search: {inserted:,} listings replicated from {real:,} real ones ({copies} copies "
        f"each) in {time.monotonic() - began:.0f} s"
    )
    return inserted


def _replicate_slots(db: psycopg.Connection[Any], say: Say) -> int:
    counts = db.execute(
        """SELECT count(*) FILTER (WHERE l.source <> %(replica)s),
                  (SELECT count(*) FROM catalog_listing WHERE source = %(replica)s)
                  / greatest(1, (SELECT count(*) FROM catalog_listing
                                 WHERE source <> %(replica)s))
           FROM scheduling_slot s JOIN catalog_listing l ON l.id = s.listing_id""",
        {"replica": REPLICA_SOURCE},
    ).fetchone()
    real, copies_per_listing = (int(counts[0]), int(counts[1])) if counts else (0, 0)
    if real == 0 or copies_per_listing == 0:
        raise BenchError("no real slots (or no listing copies) to replicate")
    shifts = math.ceil((TARGET_SLOTS * SLOT_MARGIN - real) / (real * copies_per_listing))
    window = WINDOW_DAYS * 86_400
    shift_key = sql.SQL("l.id * 64 + k.k")
    slot_key = sql.SQL("s.id * 64 + k.k")
    # Seconds after the window's start: the real offset, plus the k-th 20-day step and a jitter
    # of up to a week in 5-minute steps, drawn per listing copy and step (a jitter shared by the
    # steps would land a daily slot's copies on one another), wrapped into the window.
    offset = sql.SQL(
        "mod(floor(extract(epoch FROM s.starts_at - b.base))::bigint"
        " + floor({} * 2016)::bigint * 300 + k.k * {} + {}, {})"
    ).format(
        _uniform(shift_key, 5),
        sql.Literal(SLOT_STEP_DAYS * 86_400),
        sql.Literal(window * 10),  # keeps the dividend positive
        sql.Literal(window),
    )
    starts = sql.SQL("b.base + make_interval(secs => {})").format(offset)
    capacity = sql.SQL("greatest(1, s.capacity + floor({} * 13)::integer - 4)").format(
        _uniform(slot_key, 6)
    )
    overrides: dict[str, sql.Composable] = {
        "listing_id": sql.SQL("l.id"),
        "schedule_id": sql.SQL("NULL"),
        "starts_at": starts,
        "ends_at": sql.SQL("{} + (s.ends_at - s.starts_at)").format(starts),
        "capacity": capacity,
        # 15 % sold out, 40 % empty, the rest part-booked.
        "seats_taken": sql.SQL(
            "CASE WHEN {u} < 0.15 THEN {c} WHEN {u} < 0.55 THEN 0"
            " ELSE floor({c} * {v})::integer END"
        ).format(u=_uniform(slot_key, 7), c=capacity, v=_uniform(slot_key, 8)),
        "status": sql.SQL("CASE WHEN {} < 0.02 THEN 'cancelled' ELSE 'open' END").format(
            _uniform(slot_key, 9)
        ),
    }
    statement = _insert_select(
        "scheduling_slot",
        _columns(db, "scheduling_slot"),
        overrides,
        "s",
        sql.SQL(
            "FROM catalog_listing l"
            " JOIN scheduling_slot s ON s.listing_id = split_part(l.source_id, ':', 1)::bigint"
            " CROSS JOIN generate_series(0, {}) AS k(k)"
            " CROSS JOIN (SELECT date_trunc('day', now()) AS base) b"
            " WHERE l.source = {}"
            " ON CONFLICT (listing_id, starts_at) DO NOTHING"
        ).format(sql.Literal(shifts - 1), sql.Literal(REPLICA_SOURCE)),
    )
    began = time.monotonic()
    inserted = db.execute(statement).rowcount
    say(
        f"search: {inserted:,} slots replicated from {real:,} real ones ({shifts} time shifts "
        f"per listing copy) in {time.monotonic() - began:.0f} s"
    )
    return inserted


def _counts(db: psycopg.Connection[Any]) -> tuple[int, int]:
    row = db.execute(
        f"""SELECT (SELECT count(*) FROM catalog_listing),
                   (SELECT count(*) FROM scheduling_slot
                    WHERE starts_at >= now() AND starts_at < now() + interval '{WINDOW_DAYS} days')
        """  # noqa: S608 (a constant)
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def ensure_catalogue(server: DatabaseServer, say: Say) -> Catalogue:
    """Build what is missing of the bench catalogue (nothing, after the first run)."""
    _ensure_database(server, say)
    began = time.monotonic()
    _manage(server, "migrate", "--no-input", "-v0", timeout=1800)
    with psycopg.connect(server.conninfo(), autocommit=True) as db:
        db.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (key text PRIMARY KEY, value text NOT NULL)"
            ).format(sql.Identifier(MARKER))
        )
        marks = _marks(db)
        if "complete" not in marks:
            say("search: building the bench catalogue (once; later runs reuse it)")
        if "imported" not in marks:
            step = time.monotonic()
            _manage(server, "import_listings", "--quiet", timeout=1800)
            _mark(db, "version", BUILD_VERSION)
            _mark(db, "built_on", datetime.now(UTC).date().isoformat())
            _mark(db, "imported", "yes")
            say(f"search: real catalogue imported in {time.monotonic() - step:.0f} s")
        if "listings" not in marks:
            with db.transaction():
                _mark(db, "listings", str(_replicate_listings(db, say)))
            db.execute("ANALYZE catalog_listing")
        if "slots" not in marks:
            with db.transaction():
                _mark(db, "slots", str(_replicate_slots(db, say)))
        if "complete" not in marks:
            step = time.monotonic()
            _manage(server, "refresh_search", timeout=1800)
            db.execute("VACUUM ANALYZE")
            say(f"search: refresh_search and VACUUM ANALYZE in {time.monotonic() - step:.0f} s")
        listings, slots = _counts(db)
        if listings < TARGET_LISTINGS or slots < TARGET_SLOTS:
            raise BenchError(
                f"the bench catalogue has {listings:,} listings and {slots:,} slots in the next "
                f"{WINDOW_DAYS} days (wanted {TARGET_LISTINGS:,} and {TARGET_SLOTS:,}); drop "
                f"database {DATABASE} to rebuild it"
            )
        if "complete" not in marks:
            _mark(db, "complete", "yes")
            say(f"search: bench catalogue built in {time.monotonic() - began:.0f} s")
        return Catalogue(listings=listings, slots_ahead=slots, built_on=_marks(db)["built_on"])
