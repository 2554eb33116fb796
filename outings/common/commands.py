"""The base of the project's management commands."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

NO_TABLES = "the database has no tables yet: run manage.py migrate"


class Command(BaseCommand):
    """A command that reads or writes the project's tables. Before it runs, it checks that the
    database is migrated, and otherwise stops with one line saying what to do (status 1):
    without the check, a command run before `manage.py migrate` (a new server, a deploy whose
    migrate step failed) ended in Django's traceback over a missing relation."""

    requires_migrations_checks = True

    def check_migrations(self) -> None:
        """Django's own check only prints a notice and goes on; this one stops."""
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
