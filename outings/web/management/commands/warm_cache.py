"""`manage.py warm_cache`: run once after a deploy, once the new release serves."""

from typing import Any

from django.core.management.base import CommandError, CommandParser

from outings.common import commands
from outings.web import warming


class Command(commands.Command):
    help = (
        "Fill the caches after a deploy: the home page's aggregates, and the pages most "
        "visitors land on, in every language."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--popular",
            type=int,
            default=50,
            help="How many of the most viewed listings' pages to render (default 50).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["popular"] < 0:
            raise CommandError("--popular must be 0 or more")
        warmed = warming.warm(popular=options["popular"])
        for failure in warmed.failed:
            self.stderr.write(f"not cached: {failure}")
        self.stdout.write(f"warmed {warmed.pages - len(warmed.failed)} of {warmed.pages} pages")
        if warmed.failed:
            raise CommandError(f"{len(warmed.failed)} pages could not be rendered")
