"""`manage.py prepare`: what each process of deploy/Procfile runs before its server."""

from typing import Any

from django.core.management.base import CommandError

from outings.common import commands, startup


class Command(commands.Command):
    help = (
        "Collect the static files and apply the migrations, one app server at a time (under "
        "a PostgreSQL advisory lock); run before each server process starts."
    )
    # It is what migrates: it checks only that the database answers.
    requires_migrations_checks = False

    def handle(self, *args: Any, **options: Any) -> None:
        commands.check_database_reachable()
        with startup.start_up_lock():
            try:
                startup.collect_static_and_migrate()
            except startup.StaticRootUnusable as error:
                raise CommandError(str(error)) from error
        self.stdout.write("outings | database migrated, static files collected")
