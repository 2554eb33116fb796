"""The currencies a host may price in, and how many digits each one's minor unit has.

Prices are stored as integer minor units plus an ISO 4217 code (DESIGN.md invariant 6). The
digits are what turns one into the other, and every reader of a price uses this one table: the
pages and mails that show it (web.formatting), the host's form that reads a typed price, the
importer that reads a source's prices, and the exchange-rates file whose exponents the search
converts with (search.services). Two tables once said different things; this module imports
nothing of the project, so that any of them may use it.
"""

# ISO 4217 codes a host may price in.
CURRENCIES = (
    *("EUR", "USD", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN"),
    *("CZK", "HUF", "MXN", "BRL", "ZAR", "INR", "SGD", "HKD", "KRW", "TRY", "ILS", "THB"),
)
# ISO 4217's minor units (list one, amendment 179) where they are not 2. A code it gives none
# (gold, XAU; special drawing rights, XDR) counts as 2, as one it does not know.
MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW"), 0),
    **dict.fromkeys(("PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_units(currency: str) -> int:
    """Digits after the point of `currency` (any case): a price of 1 is 10**digits minor units."""
    return MINOR_UNITS.get(currency.upper(), 2)
