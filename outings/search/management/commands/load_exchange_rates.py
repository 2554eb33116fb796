from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from outings.common import commands
from outings.search.services import InvalidRatesFile, load_exchange_rates


class Command(commands.Command):
    help = "Replace the exchange rates with a CSV file (currency,per_euro,exponent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", default=str(settings.BASE_DIR / "data" / "exchange_rates.csv")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            count = load_exchange_rates(path=path)
        except InvalidRatesFile as error:
            raise CommandError(error.message) from error
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from error
        self.stdout.write(f"loaded {count} exchange rates from {path}")
