"""The IANA time zone of a place: from its coordinates (tzfpy), else from its city or country.

tzfpy answers `Etc/GMT±N` for points at sea; those are treated as "no answer" because a nautical
zone has no daylight saving time and would put a listing's slots an hour off half the year.
"""

from tzfpy import get_tz

from outings.common.zones import known_zones

# Countries that observe a single zone (or whose listings in our data all sit in one), for rows
# whose coordinates are missing or at sea. Countries spanning several zones are left out on
# purpose: guessing Moscow time for Vladivostok would be worse than saying UTC.
COUNTRY_ZONES = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "CH": "Europe/Zurich",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "EG": "Africa/Cairo",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "GR": "Europe/Athens",
    "HR": "Europe/Zagreb",
    "HU": "Europe/Budapest",
    "IE": "Europe/Dublin",
    "IT": "Europe/Rome",
    "JP": "Asia/Tokyo",
    "LU": "Europe/Luxembourg",
    "MA": "Africa/Casablanca",
    "MR": "Africa/Nouakchott",
    "NG": "Africa/Lagos",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "PL": "Europe/Warsaw",
    "SE": "Europe/Stockholm",
    "TH": "Asia/Bangkok",
    "TN": "Africa/Tunis",
    "UA": "Europe/Kyiv",
    "VN": "Asia/Ho_Chi_Minh",
}


def zone_for(
    latitude: float | None,
    longitude: float | None,
    *,
    country: str = "",
    fallback: str = "",
) -> tuple[str, str]:
    """The zone name and, when the coordinates did not give it, a note saying what did.

    `fallback` is the caller's better guess (the city's zone, the park's zone) and wins over the
    country table."""
    if latitude is not None and longitude is not None:
        found = get_tz(longitude, latitude)
        if found and not found.startswith("Etc/") and found in known_zones():
            return found, ""
        missing = "coordinates at sea"
    else:
        missing = "no coordinates"
    if fallback:
        return fallback, f"time zone from city ({missing})"
    if country in COUNTRY_ZONES:
        return COUNTRY_ZONES[country], f"time zone from country ({missing})"
    return "UTC", f"UTC time zone ({missing}, no single zone for country {country or '?'})"
