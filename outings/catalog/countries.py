"""The country codes a listing may carry: ISO 3166-1 alpha-2, read from the `iso3166.tab` that
the IANA time zone database ships (the `tzdata` package, a dependency of ours), so the list moves
with its releases. Django has no such list, and this one needs no library of its own."""

from importlib.resources import files

# Kosovo is not in ISO 3166-1; XK is the user-assigned code the EU, Unicode CLDR and Wikivoyage
# use for it (the catalogue has a place there), so a host there can name their country.
USER_ASSIGNED = frozenset({"XK"})


def _iso_3166() -> frozenset[str]:
    table = files("tzdata").joinpath("zoneinfo", "iso3166.tab").read_text(encoding="utf-8")
    rows = (line.split("\t", 1)[0] for line in table.splitlines() if not line.startswith("#"))
    return frozenset(code for code in rows if code)


COUNTRY_CODES = _iso_3166() | USER_ASSIGNED


def country_code(value: str) -> str:
    """`value` as a country code in capitals ("fr" → "FR"), or "" if it is not one."""
    code = value.strip().upper()
    return code if code in COUNTRY_CODES else ""
