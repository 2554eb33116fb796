"""Streaming a gzip CSV row by row, reporting damaged lines instead of stopping at them.

Lines are decoded one at a time: a line that is not valid UTF-8 is decoded with replacement
characters and the record containing it is reported ("invalid UTF-8") rather than imported with
garbled text. The csv module runs in strict mode, so broken quoting raises on the record; the
reader then carries on with the next line. A record with the wrong number of fields (what an
unclosed quote that swallowed a line break leaves) is reported too. A truncated or corrupt gzip
stream ends the file with a report of the last line read.
"""

import csv
import gzip
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

# A description is at most a few thousand characters; a field this long is a quote left open.
FIELD_SIZE_LIMIT = 1_000_000
csv.field_size_limit(FIELD_SIZE_LIMIT)


@dataclass(frozen=True)
class RawRow:
    """A record read from the file: its fields, or the reason it could not be read."""

    ref: str
    fields: dict[str, str] | None = None
    error: str = ""
    detail: str = ""


class UnreadableFile(Exception):
    """The file cannot be opened or has no header row."""


def read_rows(
    path: Path, *, required: frozenset[str], on_progress: Callable[[int], None] | None = None
) -> Generator[RawRow]:
    """Every record of a gzip CSV file, in order. `on_progress` is called now and then with the
    number of compressed bytes read so far (for a progress bar whose total is the file size)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise UnreadableFile(f"{path}: {exc}") from exc
    with raw, gzip.GzipFile(fileobj=raw) as stream:
        bad_lines: set[int] = set()
        last_line = [""]

        def lines() -> Iterator[str]:
            for number, line in enumerate(stream, start=1):
                try:
                    last_line[0] = line.decode("utf-8")
                except UnicodeDecodeError:
                    bad_lines.add(number)
                    last_line[0] = line.decode("utf-8", errors="replace")
                yield last_line[0]

        reader = csv.reader(lines(), strict=True)
        try:
            header = [name.strip().lstrip("\ufeff") for name in next(reader)]
        except (StopIteration, csv.Error, OSError, EOFError, zlib.error) as exc:
            raise UnreadableFile(f"{path}: no header row ({exc or 'empty file'})") from exc
        missing = required - set(header)
        if missing:
            raise UnreadableFile(f"{path}: missing columns {', '.join(sorted(missing))}")
        id_column = header.index("id") if "id" in header else None
        count = 0
        while True:
            first_line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                where = _where(first_line, reader.line_num)
                ref = _leading_id(last_line[0]) if first_line >= reader.line_num else ""
                yield RawRow(
                    f"{ref} ({where})" if ref else where, error="malformed line", detail=str(exc)
                )
                continue
            except (OSError, EOFError, zlib.error) as exc:
                yield RawRow(
                    f"after line {reader.line_num}",
                    error="corrupt file",
                    detail=f"{exc}; the rest of the file is not read",
                )
                break
            count += 1
            if on_progress is not None and count % 500 == 0:
                on_progress(raw.tell())
            if not record:
                continue  # a blank line
            where = _where(first_line, reader.line_num)
            ref = (
                record[id_column].strip()
                if id_column is not None and id_column < len(record)
                else ""
            )
            ref = f"{ref} ({where})" if ref else where
            if any(line in bad_lines for line in range(first_line, reader.line_num + 1)):
                yield RawRow(ref, error="invalid UTF-8", detail="bytes replaced, row not imported")
                continue
            if len(record) != len(header):
                yield RawRow(
                    ref,
                    error="malformed line",
                    detail=f"{len(record)} fields, expected {len(header)}",
                )
                continue
            yield RawRow(ref, fields=dict(zip(header, record, strict=True)))
        if on_progress is not None:
            on_progress(raw.tell())


def _leading_id(line: str) -> str:
    """The first field of a raw line when it looks like an id (no quotes, no spaces)."""
    first = line.split(",", 1)[0].strip()
    return first if first and len(first) <= 64 and not any(c in first for c in '" ') else ""


def _where(first: int, last: int) -> str:
    return f"line {first}" if first >= last else f"lines {first}-{last}"
