"""The base of the project's management commands."""

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

NO_TABLES = "the database has no tables yet: run manage.py migrate"


def check_database_reachable(alias: str = DEFAULT_DB_ALIAS) -> None:
    """One direct connection attempt, outside the pool, with the settings' connect_timeout; a
    database it cannot reach raises CommandError with libpq's reason on one line. Opened first,
    the pool retried in the background while the command waited for it, logging three lines per
    attempt, and the command could only say that the pool's time-out had passed."""
    try:
        psycopg.connect(**connections[alias].get_connection_params()).close()
    except psycopg.Error as error:
        lines = str(error).strip().splitlines()
        reason = lines[0].removeprefix("connection failed: ") if lines else type(error).__name__
        raise CommandError(f"cannot reach the database (DATABASE_URL): {reason}") from error


class Command(BaseCommand):
    """A command that reads or writes the project's tables. Before it runs, it checks that the
    database answers and is migrated, and otherwise stops with one line saying what to do
    (status 1): without the check, a command run before `manage.py migrate` (a new server, a
    deploy whose migrate step failed) ended in Django's traceback over a missing relation."""

    requires_migrations_checks = True

    def check_migrations(self) -> None:
        """Django's own check only prints a notice and goes on; this one stops."""
        check_database_reachable()
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            if not executor.recorder.has_table():
                raise CommandError(NO_TABLES)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except OperationalError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise CommandError(f"cannot reach the database (DATABASE_URL): {reason}") from error
        if plan:
            first, _backwards = plan[0]
            raise CommandError(
                f"{len(plan)} migration(s) not applied yet, from {first.app_label}.{first.name}: "
                "run manage.py migrate"
            )
