"""How money, durations and distances read in the viewer's language.

Babel is not a dependency, so this covers what the site needs with Django's own l10n: the number
takes the active language's separators; the currency's place follows the language (English puts
the symbol first, "CA$15.00"; German after the number, "15,00 CA$").
"""

from datetime import datetime
from decimal import Decimal

from django.utils import formats, timezone, translation
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from outings.catalog.currencies import minor_units
from outings.common.zones import zone_or_utc

# Symbols that English and German (CLDR) agree on; other currencies show their ISO code.
_SYMBOLS = {
    "AUD": "A$",
    "CAD": "CA$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "USD": "$",
}
_NBSP = "\u00a0"


def format_money(amount: int, currency: str, *, language: str | None = None) -> str:
    """`amount` minor units of `currency` for a reader of `language` (default: the active one).

    >>> format_money(150000, "CAD", language="en"), format_money(150000, "CAD", language="de")
    ('CA$1,500.00', '1.500,00\xa0CA$')
    """
    code = currency.upper()
    places = minor_units(code)
    value = Decimal(amount).scaleb(-places)
    lang = (language or get_language() or "en").split("-")[0]
    with translation.override(lang):
        number = formats.number_format(value, places, use_l10n=True, force_grouping=True)
    symbol = _SYMBOLS.get(code)
    if lang == "de":
        return f"{number}{_NBSP}{symbol or code}"
    return f"{symbol}{number}" if symbol else f"{code}{_NBSP}{number}"


def format_price(amount: int, currency: str) -> str:
    """Like format_money, but a zero price reads as "Free"."""
    return _("Free") if amount == 0 else format_money(amount, currency)


def format_duration(minutes: int) -> str:
    """90 → "1 hour 30 minutes"; 2880 → "2 days"."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if mins or not parts:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", mins) % {"count": mins})
    return " ".join(parts)


def format_distance(metres: float) -> str:
    """Under a kilometre in metres (rounded to 10 m), else kilometres with one decimal. Rounded
    before the unit is chosen: 996 m is a kilometre ("1.0 km"), not "1000 m"."""
    rounded = round(metres, -1)
    if rounded < 1000:
        return _("%(distance)s m") % {"distance": formats.number_format(rounded, 0)}
    km = formats.number_format(round(metres / 1000, 1), 1, use_l10n=True, force_grouping=True)
    return _("%(distance)s km") % {"distance": km}


def in_zone(value: datetime, name: str) -> datetime:
    return timezone.localtime(value, zone_or_utc(name))
