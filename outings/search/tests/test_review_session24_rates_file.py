"""Review session 24 (operations): `manage.py load_exchange_rates` on a bad or partial file. A
bad row, a repeated currency, a file that is no UTF-8 text, or one that lacks a currency hosts
price in is refused with one line naming the file (and the line), and nothing changes: the rates,
the ranking version and the catalogue version stay as they were."""

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from outings.catalog.services import CURRENCIES
from outings.common.tests.connections import in_thread, other_connection
from outings.search.models import ExchangeRate, PastExchangeRate

BUNDLED = Path(__file__).resolve().parents[3] / "data" / "exchange_rates.csv"
HEADER = "currency,per_euro,exponent\n"
APPENDED = len(BUNDLED.read_text().splitlines()) + 1  # the line number of a row added to it


def _state() -> tuple[dict[str, tuple[str, int]], int, int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM outings_catalogue_version")
        (catalogue,) = cursor.fetchone()
        cursor.execute("SELECT coalesce(max(version), 0) FROM search_rankingversion")
        (ranking,) = cursor.fetchone()
    rates = {r.currency: (str(r.per_euro), r.exponent) for r in ExchangeRate.objects.all()}
    return rates, PastExchangeRate.objects.count(), catalogue, ranking


@pytest.fixture
def loaded(db: None) -> tuple[dict[str, tuple[str, int]], int, int, int]:
    call_command("load_exchange_rates", str(BUNDLED))
    return _state()


def _bundled_with(*rows: str, drop: str = "") -> str:
    """The bundled file with `rows` appended and the row of currency `drop` left out."""
    lines = BUNDLED.read_text().splitlines(keepends=True)
    return "".join(line for line in lines if not (drop and line.startswith(f"{drop},"))) + "".join(
        f"{row}\n" for row in rows
    )


def _refused(tmp_path: Path, body: bytes | str) -> str:
    path = tmp_path / "rates.csv"
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    with pytest.raises(CommandError) as refused:
        call_command("load_exchange_rates", str(path))
    message = str(refused.value)
    assert message.startswith(str(path))
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("row", "said"),
    [
        ("XAU,NaN,2", "bad rate for XAU: 'NaN'"),
        ("XAU,Infinity,2", "bad rate for XAU: 'Infinity'"),
        ("XAU,1e30,2", "bad rate for XAU: '1e30'"),  # numeric(18, 6) holds less than 10^12
        ("XAU,0.0000001,2", "bad rate for XAU: '0.0000001'"),  # 0 at the column's 6 places
        ("XAU,1.5,-1", "bad exponent for XAU: '-1'"),
        ("XAU,1.5,99999", "bad exponent for XAU: '99999'"),  # past a smallint
        ("XAU,1.5,7", "bad exponent for XAU: '7'"),
        ("XAU", "no currency or per_euro"),
        ("KWD,0.33,2", "bad exponent for KWD: 2 (KWD has 3 digits after the point"),
    ],
)
def test_it_refuses_a_row_the_table_cannot_hold_and_changes_nothing(loaded, tmp_path, row, said):
    message = _refused(tmp_path, _bundled_with(row))

    assert f":{APPENDED}: {said}" in message
    assert _state() == loaded


def test_it_refuses_an_exponent_other_than_the_currencys_own(loaded, tmp_path):
    """Prices are shown with ISO 4217's digits (web.formatting): yen are whole, and at 2 the
    search compared and sorted a yen price as a hundredth of what its page shows."""
    message = _refused(tmp_path, _bundled_with(drop="JPY") + "JPY,162,2\n")

    assert message.endswith(
        ": bad exponent for JPY: 2 (JPY has 0 digits after the point, as prices show it)"
    )
    assert _state() == loaded


def test_it_refuses_a_currency_given_twice_and_changes_nothing(loaded, tmp_path):
    message = _refused(tmp_path, _bundled_with("USD,1.09,2"))

    assert message.endswith(f":{APPENDED}: USD is there twice")
    assert _state() == loaded


def test_it_refuses_a_file_that_is_not_utf8_and_changes_nothing(loaded, tmp_path):
    message = _refused(tmp_path, _bundled_with().encode() + b"XAU,1.5\xff,2\n")

    assert "not UTF-8 text" in message
    assert _state() == loaded


@pytest.mark.parametrize("body", ["", HEADER, HEADER + "EUR,1,2\nUSD,1.08,2\n"])
def test_it_refuses_an_empty_or_cut_short_file_and_keeps_every_rate(loaded, tmp_path, body):
    message = _refused(tmp_path, body)

    assert message.endswith(": no rate for " + ", ".join(c for c in CURRENCIES if c not in body))
    assert _state() == loaded


def test_it_refuses_a_file_without_a_currency_hosts_price_in(loaded, tmp_path):
    message = _refused(tmp_path, _bundled_with(drop="CAD"))

    assert message.endswith(": no rate for CAD")
    assert _state() == loaded


def test_it_refuses_a_euro_that_is_not_one_euro(loaded, tmp_path):
    message = _refused(tmp_path, _bundled_with(drop="EUR") + "EUR,1.1,2\n")

    assert message.endswith(": EUR must be 1, not 1.100000")
    assert _state() == loaded


def test_a_good_file_with_a_currency_more_and_a_new_rate_is_loaded(loaded, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(_bundled_with("XAU,0.000400,2", "USD,1.10,2", drop="USD"))

    call_command("load_exchange_rates", str(path))

    rates, kept, catalogue, ranking = _state()
    assert rates == {**loaded[0], "XAU": ("0.000400", 2), "USD": ("1.100000", 2)}
    assert kept == loaded[1] + len(loaded[0])
    assert (catalogue, ranking) > (loaded[2], loaded[3])


# --- two loads at once -------------------------------------------------------------------------
# Two loads at once (a cron on each app server, an operator's run over the periodic one): each
# deletes the rates its statement sees and inserts its own. The second one's DELETE waited for
# the first's rows, found them gone once it committed, and skipped the rows the first had
# inserted, which its own INSERT then met: IntegrityError, a traceback, the second file not
# loaded. The load now takes the table's write lock first, so the second reads, replaces and
# versions the first one's set.


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        (waiting,) = cursor.fetchone()
    return bool(waiting)


@pytest.mark.django_db(transaction=True)
def test_a_load_while_another_is_writing_waits_and_replaces_its_set(tmp_path):
    call_command("load_exchange_rates", str(BUNDLED))
    other_file = tmp_path / "rates.csv"
    other_file.write_text(_bundled_with("USD,1.10,2", drop="USD"))
    outcome: dict[str, Any] = {}
    with other_connection() as first:
        # The first load, between its writes and its commit.
        first.execute("DELETE FROM search_exchangerate")
        for rate in ExchangeRate.objects.all():
            first.execute(
                "INSERT INTO search_exchangerate (currency, per_euro, exponent, updated_at) "
                "VALUES (%s, %s, %s, now())",
                [rate.currency, rate.per_euro, rate.exponent],
            )
        second = in_thread(
            outcome, "second", lambda: call_command("load_exchange_rates", str(other_file))
        )
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _waiting_for_a_lock()
        first.commit()
    second.join(timeout=30)

    assert outcome == {"second": None}
    assert ExchangeRate.objects.get(currency="USD").per_euro == Decimal("1.10")
    assert ExchangeRate.objects.count() == len(BUNDLED.read_text().splitlines()) - 1
