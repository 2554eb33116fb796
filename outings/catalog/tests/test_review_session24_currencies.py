"""Review session 24: one table of the currencies' minor units (catalog.currencies), read by every
place that turns a price into minor units or back: the pages (web.formatting), the host's form,
the importer and the exchange-rates file. Each disagreement below showed a price 10 or 100 times
off, or refused what ISO 4217 says."""

from pathlib import Path

import pytest
from django.core.management import call_command

from outings.catalog.currencies import CURRENCIES, minor_units
from outings.search.models import ExchangeRate
from outings.web.formatting import format_money

BUNDLED = Path(__file__).resolve().parents[3] / "data" / "exchange_rates.csv"


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (5000, "XOF", "XOF\u00a05,000"),  # the CFA franc has no minor unit
        (5000, "xpf", "XPF\u00a05,000"),
        (12345, "CLF", "CLF\u00a01.2345"),  # four digits
        (150000, "JPY", "¥150,000"),  # the control: these were right
        (15500, "KWD", "KWD\u00a015.500"),
        (1850, "CAD", "CA$18.50"),
    ],
)
def test_a_price_shows_its_currencys_iso_digits(amount, currency, shown):
    assert format_money(amount, currency, language="en") == shown


@pytest.mark.django_db
def test_a_rates_file_may_give_a_currency_its_iso_digits(tmp_path):
    """XOF has no minor unit: the file that said so was refused, "XOF has 2 digits"."""
    path = tmp_path / "rates.csv"
    path.write_text(BUNDLED.read_text() + "XOF,655.957,0\n")

    call_command("load_exchange_rates", str(path))

    assert ExchangeRate.objects.get(currency="XOF").exponent == 0


def test_every_bundled_rate_has_its_currencys_digits():
    """The demo rates, which migrations load without load_exchange_rates' check."""
    rows = [line.split(",") for line in BUNDLED.read_text().splitlines()[1:]]

    assert {currency: int(exponent) for currency, _, exponent in rows} == {
        currency: minor_units(currency) for currency, _, _ in rows
    }
    assert set(CURRENCIES) <= {currency for currency, _, _ in rows}
