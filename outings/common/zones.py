"""Time zones named by text from outside the code: a cookie, a profile, a listing, a data file.

zoneinfo.ZoneInfo() reads the name as a path into the tz database, so what it raises for a bad
name depends on the name: ZoneInfoNotFoundError, ValueError (a path that leaves the database),
IsADirectoryError for a folder ("America"), OSError for a name too long to be a file name. No
list of exceptions is safe to catch, so names are checked against the known set first.
"""

import hashlib
import zoneinfo
from datetime import datetime, tzinfo
from functools import cache
from importlib import resources
from pathlib import Path

UTC = zoneinfo.ZoneInfo("UTC")


@cache
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine's tz database has (read once per process)."""
    return frozenset(zoneinfo.available_timezones())


def known_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The named zone, or None when the name is empty or no zone."""
    return zoneinfo.ZoneInfo(name) if name in known_zones() else None


@cache
def zone_rules(name: str) -> str:
    """What a known zone's clock follows, the same for each of its names: a digest of the tz
    database's file for it, which is one file for a zone and its links ("US/Eastern",
    "America/New_York"; "America/Montreal", "America/Toronto"), so that a search in one name
    is the search in the other. Found where `zoneinfo` looks (its TZPATH, then the `tzdata`
    package); a name that is no known zone, or whose file is nowhere, is its own."""
    if name not in known_zones():
        return name
    for folder in zoneinfo.TZPATH:
        path = Path(folder, name)
        if path.is_file():
            return hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        data = resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).read_bytes()
    except (ModuleNotFoundError, OSError):
        return name
    return hashlib.sha256(data).hexdigest()


def same_zone(one: str, other: str) -> bool:
    """Whether two zone names name the same clock (`zone_rules`)."""
    return one == other or zone_rules(one) == zone_rules(other)


def zone_or_utc(name: str) -> zoneinfo.ZoneInfo:
    """The named zone, or UTC when the name is empty or no zone: a bad zone name (on a listing,
    in a profile) must not break the page or the mail that shows it."""
    return known_zone(name) or UTC


def same_clock(moment: datetime, one: tzinfo, other: tzinfo) -> bool:
    """Whether the clocks of two zones read the same at `moment`, with the same abbreviation
    (Detroit and Toronto, Berlin and Madrid): a second time shown for the other would repeat
    the first."""
    here, there = moment.astimezone(one), moment.astimezone(other)
    return (here.utcoffset(), here.tzname()) == (there.utcoffset(), there.tzname())
