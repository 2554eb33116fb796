"""Fixtures every app's tests share. Tests run against real PostgreSQL (embedded or server)."""

import copy
import importlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.core.management.commands import flush
from django.core.management.sql import (
    emit_post_migrate_signal as emit_post_migrate_signal_of_django,
)
from django.db import connections
from django.db.backends.postgresql.operations import DatabaseOperations
from django.db.models.signals import post_migrate
from django.test import override_settings
from django.utils import timezone, translation

from outings.common import outage
from outings.common.outbox.testing import record_nudges
from outings.notifications.tests.smtp_sink import SmtpSink

pytest_plugins = ["tests.leaks"]

REQUIRE_SERVICES = os.environ.get("OUTINGS_REQUIRE_SERVICES") == "1"


def _service_url(name: str) -> str:
    url = os.environ.get(name, "")
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail(f"{name} is unset but OUTINGS_REQUIRE_SERVICES=1")
        pytest.skip(f"{name} is unset (set it, or OUTINGS_REQUIRE_SERVICES=1 to require it)")
    return url


@pytest.fixture
def redis_url() -> str:
    """A real Redis server's URL; skips the test when REDIS_URL is unset."""
    return _service_url("REDIS_URL")


@pytest.fixture
def broker_url() -> str:
    """A real broker's URL (RabbitMQ or Redis); skips the test when CELERY_BROKER_URL is unset."""
    return _service_url("CELERY_BROKER_URL")


@pytest.fixture
def nudges(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The queues of the outbox relay tasks the test published, recorded instead of sent (the
    broker lies outside the process); deliver with outings.common.outbox.testing.deliver."""
    return record_nudges(monkeypatch)


@pytest.fixture
def in_memory_channel_layer() -> Iterator[None]:
    """Live events through Channels' in-memory layer: one process, so it sees every event the
    test publishes (the cross-process layers: tests/faults/test_live_across_processes.py)."""
    with override_settings(
        CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    ):
        yield


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free port, recording what it receives; send mail there
    with `sink.as_backend()`."""
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Passwords the tests set are hashed with MD5: the default (PBKDF2, a million rounds) costs
    ~0.4 s a hash by design, and the suite signs in, fails to sign in and changes passwords
    hundreds of times (a failed sign-in hashes too). The configured hashers still follow it, so
    a hash of theirs is still checked; no test is about the hash itself. The servers some tests
    start in processes of their own (gunicorn, Celery workers) keep the configured hashers."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


# The rows post_migrate makes after Django's flush, through these receivers alone
# (django.contrib.contenttypes' and auth's): a content type and four permissions for each model.
POST_MIGRATE_TABLES = frozenset({"django_content_type", "auth_permission"})
POST_MIGRATE_RECEIVERS = frozenset({create_contenttypes, create_permissions})
# For each database: those tables as post_migrate last left them, and the models they were for.
_post_migrate_rows: dict[str, tuple[object, ...]] = {}


def _rows_of_post_migrate(alias: str) -> tuple[object, ...]:
    """The models, and a digest of every row, every column, of the content types and
    permissions: equal only if none was added, removed or changed."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT"
            " (SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM django_content_type t),"
            " (SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM auth_permission t)"
        )
        digests = cursor.fetchone()
    return (tuple(model._meta.label for model in apps.get_models()), *digests)


def _post_migrate_receivers_known() -> bool:
    """Whether post_migrate reaches no receiver but those two, for every app."""
    for app_config in apps.get_app_configs():
        sync, asynchronous = post_migrate._live_receivers(app_config)
        if asynchronous or not set(sync) <= POST_MIGRATE_RECEIVERS:
            return False
    return True


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete() -> Iterator[None]:
    """The end of a transactional test (`transactional_db`, `live_server`) empties every table
    with DELETE rather than Django's one TRUNCATE of them all: a TRUNCATE makes new files for
    each of the ~40 tables and their indexes, ~0.7 s a test here, where deleting the few rows a
    test made costs milliseconds. The tables end the same: empty, their sequences where they
    were (no RESTART IDENTITY either way), no trigger run (TRUNCATE runs none; the DELETEs run
    with session_replication_role = replica, which also skips the foreign keys' checks, moot
    once every table is empty). That setting needs a superuser (the test database's owner
    here and in CI); as another role, and with reset_sequences, the TRUNCATE stays.

    The content types and permissions are kept, and post_migrate is not sent, when they are
    as post_migrate last left them (every row and column, for the same models) and it reaches
    no other receiver: its receivers only make the rows that are missing, and none is; making
    them all again cost ~0.6 s a test here. A test that added, removed or changed one (or a
    model) has them emptied and made again after it, as Django does; so has a flush without
    post_migrate (inhibit_post_migrate), which keeps nothing."""
    truncate = DatabaseOperations.sql_flush
    flush_handle = flush.Command.handle
    superuser: dict[str, bool] = {}
    may_keep = False  # within a flush that sends post_migrate
    kept: set[str] = set()  # the databases whose flush kept post_migrate's rows

    def sql_flush(
        self: DatabaseOperations,
        style: Any,
        tables: list[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        alias = self.connection.alias
        kept.discard(alias)
        if alias not in superuser:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('is_superuser') = 'on'")
                superuser[alias] = cursor.fetchone()[0]
        if reset_sequences or not tables or not superuser[alias]:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        if (
            may_keep
            and alias in _post_migrate_rows
            and _post_migrate_receivers_known()
            and _rows_of_post_migrate(alias) == _post_migrate_rows[alias]
        ):
            kept.add(alias)
            tables = [table for table in tables if table not in POST_MIGRATE_TABLES]
        # The names are the models' tables (Django's introspection), quoted.
        deletes = [f"DELETE FROM {self.quote_name(table)}" for table in tables]  # noqa: S608
        return ["SET LOCAL session_replication_role = replica", *deletes]

    def handle(self: flush.Command, **options: Any) -> None:
        nonlocal may_keep
        may_keep = not options.get("inhibit_post_migrate", False)
        try:
            flush_handle(self, **options)
        finally:
            may_keep = False

    def emit_post_migrate_signal(verbosity: int, interactive: bool, db: str, **kwargs: Any) -> None:
        if db in kept:
            # Its receivers would make nothing (their rows are there, as they left them) but
            # empty the content types' cache, which may hold one a rolled-back test made.
            ContentType.objects.clear_cache()
            return
        emit_post_migrate_signal_of_django(verbosity, interactive, db, **kwargs)
        _post_migrate_rows[db] = _rows_of_post_migrate(db)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        patch.setattr(flush.Command, "handle", handle)
        patch.setattr(flush, "emit_post_migrate_signal", emit_post_migrate_signal)
        yield


@pytest.fixture(scope="session")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_cache(_cache_dir: Path) -> Iterator[None]:
    """Each test sees an empty cache of the configured kind (file or Redis) under its own key
    prefix, so tests never read each other's entries nor a running instance's."""
    caches = copy.deepcopy(settings.CACHES)
    prefix = f"test-{uuid.uuid4().hex}"
    for alias, config in caches.items():
        config["KEY_PREFIX"] = f"{prefix}:{alias}"
        if "filebased" in config["BACKEND"].lower():
            config["LOCATION"] = str(_cache_dir / alias)
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def _no_outage() -> Iterator[None]:
    """Each test starts with every server up as far as the process knows, and leaves it so: an
    outage a test began (Redis pointed at a closed port) would otherwise keep the next test's
    first failure from being logged, and log its end in whichever test next reached Redis."""
    outage.reset_all()
    yield
    outage.reset_all()


@pytest.fixture(autouse=True)
def _plain_static_storage() -> Iterator[None]:
    """Pages link static files and tests do not run collectstatic: skip the manifest lookup."""
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(autouse=True)
def _default_language_and_time_zone() -> Iterator[None]:
    """A language or zone a test made current (`translation.activate`, `timezone.activate`)
    must not make the next test German or its local times another zone's. The app's own code
    makes one current only for a request or a reader and gives the thread's back afterwards
    (outings/web/tests/test_review_session17_language.py,
    outings/common/tests/test_review_session15_zone.py)."""
    yield
    translation.deactivate()
    timezone.deactivate()


# The rows data migrations put in that tests read without making them (the categories, the
# bundled exchange rates): each migration's own function, which keeps what is there.
SEEDS = [
    ("outings.catalog.migrations.0002_categories", "create_categories"),
    ("outings.search.migrations.0009_rates_for_every_currency", "add_missing"),
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The test database, with the data migrations' rows put back. A transactional test's
    flush empties every table, which costs nothing within one run (pytest-django runs those
    tests last) but left a database kept with --reuse-db without exchange rates: every search
    after that answered 400 "No exchange rate for EUR". Notes the content types and
    permissions as migrate's post_migrate left them, for _flush_by_delete."""
    with django_db_blocker.unblock():
        for module, function in SEEDS:
            getattr(importlib.import_module(module), function)(apps, None)
        for alias in connections:
            _post_migrate_rows[alias] = _rows_of_post_migrate(alias)
