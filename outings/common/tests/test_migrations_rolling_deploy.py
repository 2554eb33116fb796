"""Every new migration is safe to apply while the previous release still serves.

Migrations run at start (`manage.py prepare`), one app server at a time, so during a rolling
deploy the old release keeps serving on the new schema, and a migration that locks a big table
stops the site while it runs. django-migration-linter reads the SQL of each migration
(`sqlmigrate`) and reports what the old code cannot live with (a column dropped or renamed, NOT
NULL without a database default, a table dropped or renamed) and what locks a table that
already exists (an index built or dropped without CONCURRENTLY, REINDEX). Its warnings count as
errors here. docs/architecture.md ("Migrations and rolling deploys") says how to write one that
passes (expand, then contract a release later; `AddIndexConcurrently` in a migration with
`atomic = False`).

The migrations that existed when this check came (session 23) are history: applied everywhere,
never run again on a live site, several of them knowingly contracting; they are not linted.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_migration_linter import MigrationLinter

pytestmark = pytest.mark.django_db

# Per app of ours, the first migration number the linter reads (the ones before it predate the
# check). An app not named here has every migration linted.
LINTED_FROM = {
    "accounts": 12,
    "api": 3,
    "bookings": 12,
    "catalog": 13,
    "common": 4,
    "hosting": 2,
    "notifications": 13,
    "scheduling": 9,
    "search": 24,
    "stats": 7,
}

# A migration the linter flags that is safe all the same, with the reason (a table that is small
# by nature, say). Keyed by (app label, migration name).
REVIEWED: dict[tuple[str, str], str] = {}


def _ours() -> set[str]:
    return {config.label for config in apps.get_app_configs() if config.name.startswith("outings.")}


def _linted(app_label: str, name: str) -> bool:
    number = int(name[:4]) if name[:4].isdigit() else 0
    return number >= LINTED_FROM.get(app_label, 0) and (app_label, name) not in REVIEWED


def test_every_app_of_ours_is_accounted_for():
    # A typo in LINTED_FROM (a name, or a number past the app's migrations) would lint nothing.
    assert set(LINTED_FROM) <= _ours()
    highest: dict[str, int] = {}
    for app_label, name in MigrationLoader(connection).disk_migrations:
        if name[:4].isdigit():
            highest[app_label] = max(highest.get(app_label, 0), int(name[:4]))
    assert {app: number for app, number in LINTED_FROM.items() if number > highest[app] + 1} == {}


def test_the_linter_sees_what_an_old_release_cannot_live_with():
    # Not blind: of the migrations before the check, it flags the ones known to contract.
    linter = MigrationLinter(all_warnings_as_errors=True, no_output=True)
    loader = MigrationLoader(connection)
    linter.lint_migration(loader.get_migration("search", "0008_listing_place"))  # drops columns
    linter.lint_migration(loader.get_migration("search", "0023_listing_city_folded"))  # index
    linter.lint_migration(loader.get_migration("common", "0003_outboxmessage"))  # a new table
    assert (linter.nb_erroneous, linter.nb_valid) == (2, 1)


# Outside a test transaction: `sqlmigrate` refuses, inside one, the operations that must run
# outside any (AddIndexConcurrently), which are the very ones this check asks for.
@pytest.mark.django_db(transaction=True)
def test_every_new_migration_is_safe_during_a_rolling_deploy():
    loader = MigrationLoader(connection)
    ours = _ours()
    linter = MigrationLinter(all_warnings_as_errors=True, quiet=["ok", "ignore"])
    output = io.StringIO()
    with redirect_stdout(output):
        for (app_label, name), migration in sorted(loader.disk_migrations.items()):
            if app_label in ours and _linted(app_label, name):
                linter.lint_migration(migration)
    assert not linter.has_errors, (
        "a migration an old release cannot run beside, or that locks a table "
        "(see docs/architecture.md, 'Migrations and rolling deploys'):\n" + output.getvalue()
    )
