import pytest
from django.utils import translation

from outings.common.pagetokens import BadCursor
from outings.web.formatting import format_distance, format_duration, format_money, format_price
from outings.web.views import decode_cursor, encode_cursor


@pytest.mark.parametrize(
    ("amount", "currency", "english", "german"),
    [
        (1500, "CAD", "CA$15.00", "15,00\u00a0CA$"),
        (123456789, "EUR", "€1,234,567.89", "1.234.567,89\u00a0€"),
        (5, "USD", "$0.05", "0,05\u00a0$"),
        (1500, "JPY", "¥1,500", "1.500\u00a0¥"),
        (1500, "KWD", "KWD\u00a01.500", "1,500\u00a0KWD"),
        (2000, "chf", "CHF\u00a020.00", "20,00\u00a0CHF"),
    ],
)
def test_money_reads_right_in_english_and_german(amount, currency, english, german):
    assert format_money(amount, currency, language="en") == english
    assert format_money(amount, currency, language="de") == german


def test_money_follows_the_active_language():
    with translation.override("de"):
        assert format_money(990, "EUR") == "9,90\u00a0€"
        assert format_price(0, "EUR") == "Kostenlos"
    with translation.override("en"):
        assert format_price(0, "EUR") == "Free"


@pytest.mark.parametrize(
    ("minutes", "english", "german"),
    [
        (0, "0 minutes", "0 Minuten"),
        (1, "1 minute", "1 Minute"),
        (60, "1 hour", "1 Stunde"),
        (150, "2 hours 30 minutes", "2 Stunden 30 Minuten"),
        (2 * 24 * 60 + 60, "2 days 1 hour", "2 Tage 1 Stunde"),
    ],
)
def test_durations_read_naturally(minutes, english, german):
    with translation.override("en"):
        assert format_duration(minutes) == english
    with translation.override("de"):
        assert format_duration(minutes) == german


def test_distances_switch_from_metres_to_kilometres():
    with translation.override("en"):
        assert format_distance(344) == "340 m"
        assert format_distance(994) == "990 m"
        assert format_distance(996) == "1.0 km"
        assert format_distance(12_345) == "12.3 km"
    with translation.override("de"):
        assert format_distance(12_345) == "12,3 km"


def test_a_cursor_round_trips():
    assert decode_cursor(encode_cursor(9_007_199_254_740_993)) == 9_007_199_254_740_993


@pytest.mark.parametrize(
    "token", ["", "MTIz", "aWQ6", "aWQ6MDEy", "aWQ6MTIzIA", "aWQ6MTIz\n", "\u00e9", "a" * 5000]
)
def test_a_cursor_that_we_did_not_make_is_refused(token):
    with pytest.raises(BadCursor):
        decode_cursor(token)
