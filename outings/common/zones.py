"""Time zones named by text from outside the code: a cookie, a profile, a listing, a data file.

zoneinfo.ZoneInfo() reads the name as a path into the tz database, so what it raises for a bad
name depends on the name: ZoneInfoNotFoundError, ValueError (a path that leaves the database),
IsADirectoryError for a folder ("America"), OSError for a name too long to be a file name. No
list of exceptions is safe to catch, so names are checked against the known set first.
"""

import zoneinfo
from datetime import datetime, tzinfo
from functools import cache

UTC = zoneinfo.ZoneInfo("UTC")


@cache
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine's tz database has (read once per process)."""
    return frozenset(zoneinfo.available_timezones())


def known_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The named zone, or None when the name is empty or no zone."""
    return zoneinfo.ZoneInfo(name) if name in known_zones() else None


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
