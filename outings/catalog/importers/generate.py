"""Plausible values for what the data lacks, drawn deterministically from the row's identity.

Every function takes the row's (source, source_id) and draws from a generator seeded with them and
the purpose, so a value never changes between runs and one choice never shifts another.
"""

from collections.abc import Sequence
from datetime import date, time

from outings.catalog.importers.core import HostSpec, seeded, short_hash
from outings.scheduling import rules

# Ticket prices people pay for a tour, a show or a class, in major units per currency.
PRICES = {
    "CAD": (15, 20, 25, 30, 35, 40, 45, 60),
    "EUR": (8, 10, 12, 15, 18, 20, 25, 30),
    "USD": (10, 15, 20, 25, 30, 40, 50, 75),
}
DURATIONS = (60, 90, 90, 120, 120, 150, 180)
START_TIMES = (time(9), time(10), time(11), time(13), time(14), time(16), time(18), time(19))
HOST_POOL_SIZE = 12


def price(source: str, source_id: str, currency: str) -> int:
    """A price in minor units from the currency's usual range."""
    return seeded(source, source_id, "price").choice(PRICES.get(currency, PRICES["EUR"])) * 100


def duration(source: str, source_id: str) -> int:
    return seeded(source, source_id, "duration").choice(DURATIONS)


def capacity(source: str, source_id: str) -> int:
    return seeded(source, source_id, "capacity").randint(6, 30)


def languages(source: str, source_id: str, primary: str, second: str) -> tuple[str, ...]:
    """The language the text is in, and a second one for about a quarter of the rows."""
    if seeded(source, source_id, "languages").random() < 0.25:
        return (primary, second)
    return (primary,)


def weekdays(source: str, source_id: str) -> tuple[int, ...]:
    """One to four days a week."""
    rng = seeded(source, source_id, "weekdays")
    return tuple(sorted(rng.sample(range(7), rng.randint(1, 4))))


def start_times(source: str, source_id: str, count: int = 0) -> tuple[time, ...]:
    """One or two daily start times (or exactly `count`)."""
    rng = seeded(source, source_id, "start_times")
    return tuple(sorted(rng.sample(START_TIMES, count or rng.randint(1, 2))))


def one_group_at_a_time(
    weekdays: Sequence[int], start_times: Sequence[time], *, minutes: int
) -> tuple[tuple[int, ...], tuple[time, ...]]:
    """Generated days and start times thinned for a listing that lasts `minutes`, so that its
    rule runs one group at a time, as a host's must (scheduling.rules.check_schedule): the
    first start only when a day's starts are closer than that, and each day left out whose
    start comes before the group of a day kept before it is back. Drawn for a short activity,
    they come back as they were; for a park's activity of one to three days, two starts a day or
    consecutive days made rules the host could then not edit (until session 25: 50 of the parks'
    generated rules), whose dates the sync made one group at a time all the same."""
    times = tuple(sorted(start_times))
    if rules.overlapping_pairs(times, minutes):
        times = times[:1]
    days = sorted(set(weekdays))
    anchor = date(2001, 1, 1)  # a Monday: the range never ends, so any start serves
    while len(days) > 1:
        rule = rules.ScheduleData(weekdays=days, start_times=times, valid_from=anchor, capacity=1)
        pair = rules.overlapping_days(rule, minutes=minutes, today=anchor)
        if pair is None:
            break
        days.remove(pair[1][0])  # the later day of the first pair that meets
    return tuple(days), times


def shift_weeks(source: str, source_id: str) -> int:
    """How many weeks after the coming one the first occurrence lands (0-3): spreads the
    catalogue over the next month instead of piling every event into the next seven days."""
    return seeded(source, source_id, "shift").randint(0, 3)


def pooled_host(
    source: str, source_id: str, *, label: str, city: str, languages: tuple[str, ...]
) -> HostSpec:
    """One of a small pool of demo hosts, for rows that have no venue or park to group by."""
    number = seeded(source, source_id, "host").randint(1, HOST_POOL_SIZE)
    return HostSpec(
        key=f"{source}:pool:{number}",
        display_name=f"{label} {number}",
        city=city,
        languages=languages,
    )


def host_username(key: str) -> str:
    """`demo-host-<source>-<hash>`: stable for the key, short, and never a real person's name."""
    source = key.split(":", 1)[0]
    return f"demo-host-{source}-{short_hash(key)}"
