"""The IANA time zone of a place: from its coordinates (tzfpy), else from its city or country.

tzfpy answers `Etc/GMT±N` for points at sea; those are treated as "no answer" because a nautical
zone has no daylight saving time and would put a listing's slots an hour off half the year.
"""

from functools import cache
from importlib import resources

from tzfpy import get_tz

from outings.catalog.importers.core import SkipRow
from outings.common.zones import known_zones

# Zones of a country that the tz database files under another code: the US's territories.
TERRITORIES = {"US": ("AS", "GU", "MP", "PR", "UM", "VI")}

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


@cache
def country_zones(country: str) -> frozenset[str]:
    """The zones the tz database lists for a country (zone.tab), with its territories'."""
    codes = {country, *TERRITORIES.get(country, ())}
    text = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    return frozenset(
        fields[2]
        for fields in (line.split("\t") for line in text.splitlines())
        if len(fields) >= 3 and fields[0] in codes
    )


def zone_at(latitude: float, longitude: float) -> str:
    """The zone at a point, or "" at sea (tzfpy's nautical Etc/GMT±N) or for an unknown name."""
    found = get_tz(longitude, latitude)
    return found if found and not found.startswith("Etc/") and found in known_zones() else ""


def zone_for(
    latitude: float | None,
    longitude: float | None,
    *,
    country: str = "",
    fallback: str = "",
    expected: frozenset[str] = frozenset(),
) -> tuple[str, str, float | None, float | None]:
    """The zone name; a note saying what gave it when the coordinates did not; and the
    coordinates to keep.

    `fallback` is the caller's better guess (the city's zone, the park's zone) and wins over the
    country table. `expected` are the zones the row's city or country allow: coordinates whose
    zone is not one of them are wrong (a time zone from them would put every date hours off).
    When swapping latitude and longitude puts them right, they are swapped; otherwise they are
    dropped and the fallback gives the zone, and without a fallback the row is skipped."""
    missing = "no coordinates"
    if latitude is not None and longitude is not None:
        found = zone_at(latitude, longitude)
        if not expected or found in expected:
            if found:
                return found, "", latitude, longitude
            missing = "coordinates at sea"
        elif abs(longitude) <= 90 and zone_at(longitude, latitude) in expected:
            swapped = zone_at(longitude, latitude)
            return swapped, "latitude and longitude swapped", longitude, latitude
        elif fallback:
            return (
                fallback,
                "coordinates outside the city dropped (time zone from city)",
                None,
                None,
            )
        else:
            where = f"{latitude}, {longitude} is not in {country or 'the row’s country'}"
            raise SkipRow("coordinates outside the country", where)
    if fallback:
        return fallback, f"time zone from city ({missing})", latitude, longitude
    if country in COUNTRY_ZONES:
        return COUNTRY_ZONES[country], f"time zone from country ({missing})", latitude, longitude
    note = f"UTC time zone ({missing}, no single zone for country {country or '?'})"
    return "UTC", note, latitude, longitude


def event_zone(
    latitude: float | None, longitude: float | None, *, country: str, city_zone: str
) -> tuple[str, str, float | None, float | None]:
    """`zone_for` an event at a venue: coordinates must lie in its city's zone when the city
    gives one (Toronto, Madrid), else in its country."""
    expected = frozenset([city_zone]) if city_zone else country_zones(country)
    return zone_for(latitude, longitude, country=country, fallback=city_zone, expected=expected)
