"""What every source module shares: the normalised row, the skip signal and the parsing helpers.

A source module turns one CSV row (a mapping of column to text) into a `ListingData` or raises
`SkipRow`. Parsing never touches the database and never depends on the day it runs: the date
shift happens when the row is written, so the content hash of a row is stable from day to day.
"""

import dataclasses
import hashlib
import html
import json
import math
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Protocol

from outings.catalog.currencies import minor_units

Row = Mapping[str, str]

# The columns the Toronto and Madrid files share.
EVENT_COLUMNS = (
    "id", "source_event_id", "title", "description", "price_amount", "currency", "is_free",
    "start", "end", "time_text", "recurrence_days", "category", "tags", "audience", "venue_name",
    "address", "postal_code", "district", "city", "country_code", "latitude", "longitude", "url",
    "image_url", "language",
)  # fmt: skip

# The most a price may be, in minor units: anything above is a typo, not a ticket.
MAX_PRICE_MINOR = 100_000_00
# The lengths of Listing.source_id and Listing.content_language: a longer value would make the
# database refuse the whole batch, so the row is skipped instead (a test checks they agree).
MAX_SOURCE_ID = 64
MAX_LANGUAGE = 8
_CURRENCY = re.compile(r"[A-Z]{3}")


class SkipRow(Exception):
    """Raised by a parser for a row that is not imported.

    `reason` is the short, countable category ("no title"); `detail` says what exactly was found.
    Expected skips (rows the catalogue leaves out by design, such as Wikivoyage `eat` rows) are
    `quiet`: counted, not printed one by one."""

    def __init__(self, reason: str, detail: str = "", *, quiet: bool = False) -> None:
        super().__init__(reason if not detail else f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.quiet = quiet


@dataclass(frozen=True)
class HostSpec:
    """A demo host, shared by every row with the same key (venue, park or article)."""

    key: str
    display_name: str
    city: str
    languages: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleSpec:
    """A weekly rule in the source's own dates. `first_date` is the local date of the source's
    first occurrence (None when the whole schedule is generated) and `last_date` the end of the
    source's window (None for an open-ended rule); both are shifted when the row is written."""

    weekdays: tuple[int, ...]
    start_times: tuple[time, ...]
    capacity: int
    first_date: date | None = None
    last_date: date | None = None


@dataclass
class ListingData:
    """One normalised row: the Listing's fields plus its host and schedule."""

    source: str
    source_id: str
    title: str
    category: str
    kind: str
    license: str
    host: HostSpec
    content_language: str
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    duration_minutes: int | None = None
    price_amount: int = 0
    currency: str = "EUR"
    address: str = ""
    city: str = ""
    country_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    time_zone: str = "UTC"
    image_url: str = ""
    source_url: str = ""
    schedule: ScheduleSpec | None = None
    generated_fields: tuple[str, ...] = ()
    # Not content: where the row was (for messages) and what the parser had to assume.
    ref: str = field(default="", compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)
    # The id a listing of this row had before its source got a stable one (NPS and Wikivoyage
    # rows were named by their row number): the writer takes such a listing over once.
    legacy_id: str = field(default="", compare=False)

    def content_hash(self) -> str:
        """A digest of everything the row contributes, so an unchanged row can be skipped."""
        content = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("ref", "notes", "legacy_id")
        }
        text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class RowParser(Protocol):
    def parse(self, row: Row) -> ListingData: ...


# --- Text ------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")
_SENTENCE = re.compile(r"(.{20,}?[.!?…])(?=\s|$)", re.DOTALL)
# Markup in a text column: what a script or style element says is dropped with it; a line break
# or the end of a block starts a new line or paragraph; any other tag goes, its text stays. Only
# literal tags are markup: "&lt;&lt;La gira»" is text that shows "<<La gira»".
_HIDDEN = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_BLOCK_END = re.compile(r"</(?:p|div|li|h[1-6]|ul|ol|blockquote|tr)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>", re.DOTALL)


def plain_text(value: str) -> str:
    """Text without its markup and with its entities decoded, once more if they were encoded
    twice (Madrid's "NU&amp;Ntilde;EZ" is "NUÑEZ")."""
    value = _HIDDEN.sub("", value)
    value = _LINE_BREAK.sub("\n", value)
    value = _BLOCK_END.sub("\n\n", value)
    value = _TAG.sub("", value)
    decoded = html.unescape(value)
    twice = html.unescape(decoded) if decoded != value else decoded
    if all(twice.count(c) == decoded.count(c) for c in "<>"):  # never decoded into markup
        return twice
    return decoded


def clean_line(value: str, max_length: int) -> str:
    """One line of text: markup removed, entities decoded, whitespace collapsed, cut to the
    column's length."""
    return truncate(_SPACES.sub(" ", plain_text(value)).strip(), max_length)


def clean_text(value: str) -> str:
    """A paragraph text: markup removed, entities decoded, runs of blank lines reduced to
    one."""
    lines = [_SPACES.sub(" ", line).strip() for line in plain_text(value).splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def truncate(value: str, max_length: int) -> str:
    if len(value) <= max_length:
        return value
    cut = value[: max_length - 1]
    if " " in cut[max_length // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def summary_of(description: str, max_length: int = 300) -> str:
    """The first sentence of a description (at least 20 characters long, so that "Dr." or
    "St." does not end it), cut to `max_length`."""
    flat = _SPACES.sub(" ", description).strip()
    match = _SENTENCE.match(flat)
    return truncate(match.group(1) if match else flat, max_length)


def join_nonempty(*parts: str, max_length: int) -> str:
    seen: list[str] = []
    for part in parts:
        part = _SPACES.sub(" ", plain_text(part)).strip()
        if part and part.casefold() not in (s.casefold() for s in seen):
            seen.append(part)
    return truncate(", ".join(seen), max_length)


def url_or_blank(value: str) -> str:
    value = value.strip()
    return value if value.startswith(("http://", "https://")) and len(value) <= 1000 else ""


# --- Numbers and flags -------------------------------------------------------------------------


def parse_coordinates(lat_text: str, lng_text: str) -> tuple[float | None, float | None]:
    """Both coordinates, or neither; anything unreadable or out of range skips the row."""
    lat_text, lng_text = lat_text.strip(), lng_text.strip()
    if not lat_text and not lng_text:
        return None, None
    values: list[float] = []
    for name, text, limit in (("latitude", lat_text, 90), ("longitude", lng_text, 180)):
        try:
            value = float(text)
        except ValueError:
            raise SkipRow("unparsable coordinates", f"{name} {text!r}") from None
        if not math.isfinite(value):
            raise SkipRow("unparsable coordinates", f"{name} {text!r}")
        if not -limit <= value <= limit:
            raise SkipRow("coordinates out of range", f"{name} {text}")
        values.append(value)
    return values[0], values[1]


def natural_id(prefix: str, *parts: str) -> str:
    """A stable id for a row that has none of its own, from what identifies it in the source
    (a park and a title; an article and a name): the row number would name another row as soon
    as a newer file adds or removes one above it."""
    key = "\n".join(part.casefold() for part in parts)
    return f"{prefix}-{short_hash(key, 16)}" if prefix else short_hash(key, 16)


def parse_source_id(text: str) -> str:
    """The row's id in the source, which identifies its listing. One too long for the column is
    skipped, not cut: two ids cut to the same prefix would overwrite each other's listing."""
    source_id = text.strip()
    if len(source_id) > MAX_SOURCE_ID:
        raise SkipRow("id too long", f"{len(source_id)} characters")
    return source_id


def parse_language(text: str, *, default: str) -> str:
    """The language code the row's text is written in ("en", "pt-BR"); empty means `default`."""
    code = text.strip() or default
    if len(code) > MAX_LANGUAGE:
        raise SkipRow("malformed language", repr(text))
    return code


def parse_currency(text: str, *, default: str) -> str:
    """A three-letter currency code ("cad" → "CAD"); empty means the source's own `default`."""
    code = text.strip().upper() or default
    if not _CURRENCY.fullmatch(code):
        raise SkipRow("malformed currency", repr(text))
    return code


def parse_money(text: str, *, currency: str) -> int:
    """An amount in major units ("15", "9.85"; "1500" yen) as integer minor units of `currency`
    (catalog.currencies: yen are whole, a dinar has 1,000 fils), as the pages show them."""
    try:
        amount = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise SkipRow("malformed price", f"{text!r} {currency}") from None
    # A major unit is at least one minor unit: past the limit before scaling is past it after,
    # and scaling 9e999999 would overflow Decimal's exponent.
    if not amount.is_finite() or amount < 0 or amount > MAX_PRICE_MINOR:
        raise SkipRow("malformed price", f"{text!r} {currency}")
    minor = amount.scaleb(minor_units(currency))
    if minor > MAX_PRICE_MINOR:
        raise SkipRow("malformed price", f"{text!r} {currency}")
    return int(minor.to_integral_value())


def parse_minutes(text: str) -> int | None:
    """A whole number of minutes; empty means unknown."""
    text = text.strip()
    if not text:
        return None
    try:
        minutes = int(float(text))
    except ValueError:
        raise SkipRow("malformed duration", repr(text)) from None
    if not 0 <= minutes <= 60 * 24 * 30:
        raise SkipRow("malformed duration", repr(text))
    return minutes or None


def parse_flag(text: str, column: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no", ""):
        return False
    raise SkipRow("malformed flag", f"{column} {text!r}")


def normal_key(value: str) -> str:
    """A key that ignores case, punctuation and a plural 's': "Celebrations" == "celebration",
    "Farmers' Market" == "farmers market"."""
    key = re.sub(r"[^\w+/ ]", "", value.casefold())
    key = _SPACES.sub(" ", key).strip()
    return key[:-1] if len(key) > 4 and key.endswith("s") and not key.endswith("ss") else key


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Values in order, each once (compared by `normal_key`)."""
    seen: set[str] = set()
    result: list[str] = []
    for value in values:
        key = normal_key(value)
        if key and key not in seen:
            seen.add(key)
            result.append(value)
    return tuple(result)


# --- Deterministic generation ----------------------------------------------------------------


def seeded(*parts: str) -> random.Random:
    """A random generator seeded from the row's identity and a purpose, so that every run (and
    every machine) generates the same value for the same row, whatever order rows come in."""
    digest = hashlib.blake2b(":".join(parts).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def short_hash(value: str, length: int = 10) -> str:
    return hashlib.blake2b(value.encode(), digest_size=16).hexdigest()[:length]
