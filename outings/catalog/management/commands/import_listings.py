"""`manage.py import_listings`: load the demo catalogue from the bundled open data (data/*.csv.gz).

See docs/data-import.md for the sources, the mappings, what is generated and the licences.
"""

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from outings.accounts.models import HostProfile, User
from outings.catalog.importers.reader import UnreadableFile
from outings.catalog.importers.run import (
    SOURCES,
    ImportAborted,
    SkipReporter,
    SourceReport,
    import_source,
)
from outings.catalog.models import Listing
from outings.common import commands
from outings.common.locks import session_lock
from outings.scheduling.models import Schedule, Slot

# The advisory lock that runs imports one at a time (outings.common.locks; the start-up's is
# 7_411_001). Session-level: each batch commits on its own.
IMPORT_LOCK = 7_411_002
WAITING = "another import is running: waiting for it to finish"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


class Command(commands.Command):
    help = "Import (or refresh) the demo catalogue from the open data in data/*.csv.gz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", action="extend", nargs="+", choices=sorted(SOURCES), dest="sources",
            help="Import only these sources (repeatable; default: all).",
        )  # fmt: skip
        parser.add_argument(
            "--limit", type=_positive, help="Read at most N rows of each source (for tests)."
        )
        parser.add_argument(
            "--data-dir", type=Path, default=Path(settings.BASE_DIR) / "data",
            help="Where the *.csv.gz files are (default: the project's data/).",
        )  # fmt: skip
        parser.add_argument(
            "--today", type=_day, default=None,
            help="The day the dates are shifted towards and slots start from (default: today).",
        )  # fmt: skip
        parser.add_argument(
            "--batch-size", type=_positive, default=1_000, help="Rows written per batch."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bars.")

    def handle(self, *args: Any, **options: Any) -> None:
        """One import at a time: a second one (another terminal, a cron overlapping a slow run)
        waits for the first under IMPORT_LOCK, saying so, then runs, and finds the rows the first
        wrote unchanged. Run together, the second wrote the same new rows and stopped, "could not
        write rows ... duplicate key", its status 1, until session 25. It waits rather than
        stopping because an import may run at any time and the second's own sources, files or
        --today may differ from the first's: stopped, they would never be imported."""
        with session_lock(IMPORT_LOCK, on_wait=lambda: self.stderr.write(WAITING)):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        names: list[str] = options["sources"] or list(SOURCES)
        today: date = options["today"] or timezone.localdate()
        progress = not options["quiet"] and self.stdout.isatty()
        reports: list[SourceReport] = []
        for name in dict.fromkeys(names):
            try:
                report = import_source(
                    SOURCES[name],
                    data_dir=options["data_dir"],
                    today=today,
                    limit=options["limit"],
                    batch_size=options["batch_size"],
                    progress=progress,
                    on_skip=self._skip_printer(progress),
                )
            except (UnreadableFile, ImportAborted) as exc:
                self._summary(reports)
                raise CommandError(str(exc)) from exc
            reports.append(report)
        if any(r.created or r.updated or r.slots_created or r.withdrawn for r in reports):
            _analyze()
        self._summary(reports)

    def _skip_printer(self, progress: bool) -> SkipReporter:
        def report(source: str, ref: str, reason: str, detail: str) -> None:
            line = f"{source} {ref}: skipped, {reason}" + (f" ({detail})" if detail else "")
            if progress:
                tqdm.write(line, file=sys.stderr)  # keeps the progress bar in one piece
            else:
                self.stderr.write(line)

        return report

    def _summary(self, reports: list[SourceReport]) -> None:
        if not reports:
            return
        self.stdout.write(
            f"{'source':<11} {'rows':>7} {'created':>8} {'updated':>8} {'unchanged':>10} "
            f"{'skipped':>8} {'hosts':>6} {'slots':>7} {'seconds':>8}"
        )
        for r in reports:
            self.stdout.write(
                f"{r.source:<11} {r.rows:>7} {r.created:>8} {r.updated:>8} {r.unchanged:>10} "
                f"{r.skipped.total():>8} {r.hosts_created:>6} {r.slots_created:>7} "
                f"{r.seconds:>8.1f}"
            )
        for r in reports:
            for reason, count in sorted(r.skipped.items(), key=lambda item: -item[1]):
                self.stdout.write(f"  {r.source}: skipped {count} × {reason}")
            for note, count in sorted(r.notes.items(), key=lambda item: -item[1]):
                self.stdout.write(f"  {r.source}: {count} × {note}")
            if r.withdrawn:
                self.stdout.write(
                    f"  {r.source}: {r.withdrawn} × withdrawn (no longer in the source)"
                )
            if r.restored:
                self.stdout.write(
                    f"  {r.source}: {r.restored} × back in the source, published again"
                )
            if r.no_withdrawal:
                self.stdout.write(f"  {r.source}: nothing withdrawn ({r.no_withdrawal})")


def _analyze() -> None:
    """Planner statistics for the tables an import fills: without them the first listing page of
    a fresh catalogue planned a loop over every host (4.1 s instead of milliseconds), and a
    server with autovacuum off never gathers them by itself."""
    tables = [model._meta.db_table for model in (User, HostProfile, Listing, Schedule, Slot)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
