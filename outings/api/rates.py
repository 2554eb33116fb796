"""Rate limits as written in the settings ("120/min"). No Django here: config/settings.py reads
API_THROTTLE_ANON and API_THROTTLE_USER through `checked`, so a malformed one stops the start
naming its variable instead of making every API call a 500."""

from dataclasses import dataclass

PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str) -> "Rate":
        """'120/min' -> Rate(120, 60); ValueError for what is not "<count>/<s|min|hour|day>"."""
        count, _, unit = text.partition("/")
        period = PERIODS.get(unit.strip())
        if period is None or not count.strip().isdigit():
            raise ValueError(f"expected <count>/<s|min|hour|day> such as 120/min, not {text!r}")
        return cls(limit=int(count), period=period)


def checked(text: str) -> str:
    """`text` when it is a rate, else ValueError (django-environ's cast, in config/settings.py)."""
    Rate.parse(text)
    return text
