"""Review session 24: one table of the currencies' minor units (catalog.currencies), read by every
place that turns a price into minor units or back: the pages (web.formatting), the host's form,
the importer and the exchange-rates file. Each disagreement below showed a price 10 or 100 times
off, or refused what ISO 4217 says."""

from pathlib import Path

import pytest
from django.core.management import call_command

from outings.catalog.currencies import CURRENCIES, minor_units
from outings.catalog.importers.run import SOURCES
from outings.catalog.models import Listing
from outings.catalog.tests.test_import import EVENT_HEADER, import_file, toronto_row, write_csv_gz
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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("price", "currency", "stored", "shown"),
    [
        ("1500", "JPY", 1500, "¥1,500"),  # was 150000: ¥150,000
        ("25000", "KRW", 25000, "KRW\u00a025,000"),  # was 2500000
        ("15.5", "KWD", 15500, "KWD\u00a015.500"),  # was 1550: KWD 1.550
        ("18.50", "CAD", 1850, "CA$18.50"),  # the control
    ],
)
def test_an_imported_price_is_read_in_its_currencys_units(tmp_path, price, currency, stored, shown):
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [toronto_row(price_amount=price, currency=currency)],
    )

    import_file(tmp_path, "toronto")

    listing = Listing.objects.get()
    assert (listing.price_amount, listing.currency) == (stored, currency)
    assert format_money(listing.price_amount, listing.currency, language="en") == shown


@pytest.mark.django_db
def test_an_imported_price_above_the_limit_in_its_own_units_is_skipped(tmp_path):
    """The importer's limit is 10,000,000 minor units: ¥10,000,000 is the most, not ¥100,000."""
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [
            toronto_row(price_amount="10000000", currency="JPY"),
            toronto_row(
                id="tor-t2", source_event_id="evt2", price_amount="10000001", currency="JPY"
            ),
        ],
    )
    reasons: list[str] = []

    import_file(tmp_path, "toronto", reasons)

    assert list(Listing.objects.values_list("price_amount", flat=True)) == [10_000_000]
    assert reasons == ["tor-t2 (line 3): malformed price"]


@pytest.mark.django_db
def test_an_imported_price_past_what_decimal_holds_is_skipped(tmp_path):
    """9e999999 dollars: multiplied into cents, Decimal overflowed and ended the import."""
    write_csv_gz(
        tmp_path / SOURCES["toronto"].filename,
        EVENT_HEADER,
        [
            toronto_row(price_amount="9e999999"),
            toronto_row(id="tor-t2", source_event_id="evt2", title="Still imported"),
        ],
    )
    reasons: list[str] = []

    import_file(tmp_path, "toronto", reasons)

    assert list(Listing.objects.values_list("title", flat=True)) == ["Still imported"]
    assert reasons == ["tor-t1 (line 2): malformed price"]


def test_every_bundled_rate_has_its_currencys_digits():
    """The demo rates, which migrations load without load_exchange_rates' check."""
    rows = [line.split(",") for line in BUNDLED.read_text().splitlines()[1:]]

    assert {currency: int(exponent) for currency, _, exponent in rows} == {
        currency: minor_units(currency) for currency, _, _ in rows
    }
    assert set(CURRENCIES) <= {currency for currency, _, _ in rows}
