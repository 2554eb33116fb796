"""Running an import: read a source's file, parse each row, write in batches, add the slots."""

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import DatabaseError
from tqdm import tqdm

from outings.catalog.importers import madrid, nps, toronto, wikivoyage
from outings.catalog.importers.core import ListingData, RowParser, SkipRow
from outings.catalog.importers.reader import read_rows
from outings.catalog.importers.withdrawals import withdraw_missing
from outings.catalog.importers.writer import Writer

# (source, row reference, reason, detail): called for each row skipped as bad data.
SkipReporter = Callable[[str, str, str, str], None]


@dataclass(frozen=True)
class Source:
    name: str
    filename: str
    required: frozenset[str]
    make_parser: Callable[[], RowParser]


SOURCES: dict[str, Source] = {
    toronto.SOURCE: Source(
        toronto.SOURCE, toronto.FILENAME, frozenset(toronto.COLUMNS), toronto.TorontoParser
    ),
    madrid.SOURCE: Source(
        madrid.SOURCE, madrid.FILENAME, frozenset(madrid.COLUMNS), madrid.MadridParser
    ),
    nps.SOURCE: Source(nps.SOURCE, nps.FILENAME, frozenset(nps.COLUMNS), nps.NpsParser),
    wikivoyage.SOURCE: Source(
        wikivoyage.SOURCE,
        wikivoyage.FILENAME,
        frozenset(wikivoyage.COLUMNS),
        wikivoyage.WikivoyageParser,
    ),
}


@dataclass
class SourceReport:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    hosts_created: int = 0
    slots_created: int = 0
    withdrawn: int = 0
    restored: int = 0
    # Why nothing was withdrawn although the run might have (the file was not read whole).
    no_withdrawal: str = ""
    seconds: float = 0.0


class ImportAborted(Exception):
    """A batch could not be written. The batches before it are saved; a new run resumes."""


def import_source(
    source: Source,
    *,
    data_dir: Path,
    today: date,
    limit: int | None = None,
    batch_size: int = 1_000,
    progress: bool = False,
    on_skip: SkipReporter | None = None,
) -> SourceReport:
    """Import one source file: every row created, updated, left alone or skipped (with its
    reason), then the schedules' slots up to the horizon. Safe to run again at any time."""
    started = time.monotonic()
    report = SourceReport(source.name)
    parser = source.make_parser()
    writer = Writer(today=today)
    path = data_dir / source.filename
    seen_ids: dict[str, str] = {}
    unreadable = 0  # records whose id is unknown: their listings cannot be told apart
    stopped_early = False
    batch: list[ListingData] = []

    def skip(ref: str, reason: str, detail: str = "", *, quiet: bool = False) -> None:
        report.skipped[reason] += 1
        if on_skip is not None and not quiet:
            on_skip(source.name, ref, reason, detail)

    def flush() -> None:
        try:
            result = writer.write(batch)
        except DatabaseError as exc:
            raise ImportAborted(
                f"{source.name}: could not write rows {batch[0].ref} to {batch[-1].ref} ({exc}); "
                f"{report.created + report.updated + report.unchanged} rows before them are saved"
            ) from exc
        report.created += result.created
        report.updated += result.updated
        report.unchanged += result.unchanged
        report.restored += result.restored
        report.notes.update({f"edited here, kept ({name})": n for name, n in result.kept.items()})
        if result.archived:
            report.notes["archived, not updated"] += result.archived
        batch.clear()

    total = path.stat().st_size if path.exists() else 0
    with tqdm(
        total=total, desc=source.name, unit="B", unit_scale=True, disable=not progress,
        file=sys.stdout, leave=True,
    ) as bar:  # fmt: skip

        def advance(position: int) -> None:
            bar.update(position - bar.n)

        rows = read_rows(path, required=source.required, on_progress=advance)
        for raw in rows:
            if limit is not None and report.rows >= limit:
                stopped_early = True
                break
            report.rows += 1
            if raw.fields is None:
                unreadable += 1
                skip(raw.ref, raw.error, raw.detail)
                continue
            try:
                row = parser.parse(raw.fields)
            except SkipRow as exc:
                skip(raw.ref, exc.reason, exc.detail, quiet=exc.quiet)
                continue
            if row.source_id in seen_ids:
                skip(raw.ref, "repeated id", f"{row.source_id} also in {seen_ids[row.source_id]}")
                continue
            seen_ids[row.source_id] = raw.ref
            row.ref = raw.ref
            report.notes.update(row.notes)
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
        rows.close()  # closes the file at once when --limit stopped early
        if batch:
            flush()
        # An item no longer in the file takes its listing off the site; only a whole, readable
        # file says which items are gone. One that imports no row at all (an export that came
        # out empty, a format every row now fails) says nothing about them: it took the whole
        # source off the site.
        if stopped_early:
            report.no_withdrawal = "--limit: the file was not read whole"
        elif unreadable:
            report.no_withdrawal = f"{unreadable} rows could not be read"
        elif not seen_ids:
            report.no_withdrawal = "no row of the file was imported"
        else:
            try:
                report.withdrawn = withdraw_missing(source=source.name, present=set(seen_ids))
            except DatabaseError as exc:
                raise ImportAborted(
                    f"{source.name}: the listings are saved, but withdrawing those no longer in "
                    f"the source failed ({exc}); a new run tries again"
                ) from exc
        bar.set_postfix_str("adding slots")
        try:
            report.slots_created = writer.materialise_slots(source.name)
        except DatabaseError as exc:
            raise ImportAborted(
                f"{source.name}: the listings are saved, but adding their slots failed ({exc}); "
                "a new run adds the missing ones"
            ) from exc
        bar.set_postfix_str(f"{report.slots_created} slots added")
    report.hosts_created = writer.hosts_created
    report.seconds = time.monotonic() - started
    return report
