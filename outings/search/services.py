"""Writes of the search app: the lexicon and suggestions, ranking signals, exchange rates."""

import csv
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import translation

from outings.catalog.currencies import minor_units
from outings.catalog.models import CATEGORY_NAMES
from outings.catalog.services import CURRENCIES
from outings.common.errors import DomainError
from outings.search.models import (
    RANKING_HISTORY,
    ExchangeRate,
    PastExchangeRate,
    RankingChange,
)


class InvalidRatesFile(DomainError):
    code = "invalid_rates_file"


@transaction.atomic
def refresh_lexicon() -> int:
    """Rebuild the words ("did you mean") and suggestions (autocomplete) from the published
    catalogue. Runs in one transaction: readers see the old or the new set, never half."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_lexeme")
        cursor.execute("""
            INSERT INTO search_lexeme (word, documents)
            SELECT word, ndoc FROM ts_stat($$
                SELECT to_tsvector('outings_simple', l.title || ' ' || l.city)
                FROM catalog_listing l
                JOIN accounts_hostprofile h ON h.id = l.host_id AND h.suspended_at IS NULL
                WHERE l.status = 'published'
            $$) WHERE length(word) BETWEEN 3 AND 100 AND word !~ '^[0-9]+$'
        """)
        words: int = cursor.rowcount
        cursor.execute("DELETE FROM search_suggestion")
        # One suggestion per distinct title (as autocomplete compares it: lower case, no
        # accents), weighted by how many listings carry it; it shows and links to the one that
        # would have come first among them (experiences before places, then the oldest).
        cursor.execute("""
            INSERT INTO search_suggestion (kind, label, normalized, weight, listing_id)
            SELECT 'title', (array_agg(left(l.title, 200) ORDER BY l.kind = 'experience' DESC,
                                                                    l.id))[1],
                   lower(outings_unaccent(left(l.title, 200))),
                   sum(1 + (l.kind = 'experience')::int),
                   (array_agg(l.id ORDER BY l.kind = 'experience' DESC, l.id))[1]
            FROM catalog_listing l
            JOIN accounts_hostprofile h ON h.id = l.host_id AND h.suspended_at IS NULL
            WHERE l.status = 'published'
            GROUP BY lower(outings_unaccent(left(l.title, 200)))
        """)
        # Each title again from each of its words on ("louvre" for "musee du louvre", with
        # the title's label, weight and listing), so that the prefix of a word inside a title
        # finds it; a word starts after anything but a letter or digit ("(Royal) Ontario").
        # The title's own start is its row above.
        cursor.execute("""
            INSERT INTO search_suggestion (kind, label, normalized, weight, listing_id, word)
            SELECT 'title', s.label, w.rest, s.weight, s.listing_id, w.n
            FROM search_suggestion s
            CROSS JOIN LATERAL (
                SELECT array_agg(m.token[1] ORDER BY m.n) AS tokens
                FROM regexp_matches(s.normalized, '([[:alnum:]]+[^[:alnum:]]*)', 'g')
                     WITH ORDINALITY AS m(token, n)
            ) t
            CROSS JOIN LATERAL (
                SELECT n, array_to_string(t.tokens[n:], '') AS rest
                FROM generate_series(1, cardinality(t.tokens)) AS n
            ) w
            WHERE s.kind = 'title' AND s.word = 0 AND w.rest <> s.normalized
        """)
        # One place per name (as find_place compares it: lower case, no accents) and country:
        # "Köln" and "Koln" in Germany are one place, under the spelling most of its listings
        # use (then the first in byte order); Paris, France and Paris, Texas are two, where
        # they were one at the median of both (mid-Atlantic between one listing in each).
        cursor.execute("""
            INSERT INTO search_suggestion
                (kind, label, normalized, weight, latitude, longitude, country_code)
            SELECT 'place', (array_agg(city ORDER BY spelled DESC, city))[1], normalized,
                   count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY latitude),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY longitude),
                   country_code
            FROM (
                SELECT l.city, l.country_code, l.latitude, l.longitude,
                       lower(outings_unaccent(l.city)) AS normalized,
                       count(*) OVER (PARTITION BY l.city, l.country_code) AS spelled
                FROM catalog_listing l
                JOIN accounts_hostprofile h ON h.id = l.host_id AND h.suspended_at IS NULL
                WHERE l.status = 'published' AND l.city <> ''
                  -- A place is a point to search near (near=): made from the listings with
                  -- one, and not offered without one (its link would answer "We do not know
                  -- that place").
                  AND l.place IS NOT NULL
            ) AS located
            GROUP BY normalized, country_code
        """)
        for slug, name in CATEGORY_NAMES.items():
            with translation.override("de"):
                german = str(name)
            for label in {slug, str(name), german}:
                cursor.execute(
                    "INSERT INTO search_suggestion (kind, label, normalized, weight)"
                    " VALUES ('category', %s, lower(outings_unaccent(%s)), 1000)",
                    [slug, label],
                )
    return words


# Moves the ranking version (models.RankingVersion) by one, `only` when the condition holds, and
# returns it; the row is made again at the first move if something (a test's flush) removed it.
MOVE_RANKING_VERSION = """
    INSERT INTO search_rankingversion (id, version) SELECT 1, 1 {only}
    ON CONFLICT (id) DO UPDATE SET version = search_rankingversion.version + 1
    RETURNING version"""

# What a listing's bookings and age add to its quality factor in the ranking (where.score):
# 0.1 * ln(1 + its confirmed bookings of the last BOOKINGS_PERIOD), plus 0.2 when it is new,
# falling to 0 over FRESH_PERIOD. Rounded to hundredths, so that a refresh rewrites only the
# listings whose value moved: those booked since, and each new one about every day and a half.
BOOKINGS_PERIOD = timedelta(days=365)
FRESH_PERIOD = timedelta(days=30)


@transaction.atomic
def refresh_ranking(*, now: datetime) -> int:
    """Store each listing's bookings and freshness (`catalog_listing.search_boost`, search.0014)
    for the search's score, which reads it from the row instead of counting bookings for every
    match. Run hourly with the lexicon: a booking reaches the ranking within the hour. When any
    listing changed, moves the ranking version and records the quality each had before under it
    (`RankingChange`, search.0019), in the same statement, so that the pages of a ranked search
    read before go on in their order. Returns how many listings changed."""
    move = MOVE_RANKING_VERSION.format(only="WHERE EXISTS (SELECT 1 FROM moved)")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH moved AS (
                   UPDATE catalog_listing l SET search_boost = b.boost
                   FROM (
                       SELECT l.id, l.search_quality AS quality,
                              round((0.1 * ln(1 + coalesce(n.bookings, 0))
                                     + 0.2 * greatest(0, 1 - extract(epoch FROM %(now)s
                                                                 - l.created_at)
                                                         / %(fresh)s)
                                    )::numeric, 2)::float8 AS boost
                       FROM catalog_listing l
                       LEFT JOIN (
                           SELECT listing_id, count(*) AS bookings FROM bookings_booking
                           WHERE status = 'confirmed' AND confirmed_at >= %(since)s
                           GROUP BY listing_id
                       ) n ON n.listing_id = l.id
                   ) b
                   WHERE b.id = l.id AND l.search_boost <> b.boost
                   RETURNING l.id, b.quality
               ), version AS ({move})
               INSERT INTO search_rankingchange (version, listing_id, quality)
               SELECT version.version, moved.id, moved.quality FROM moved CROSS JOIN version""",  # noqa: S608 - constant fragments
            {
                "now": now,
                "since": now - BOOKINGS_PERIOD,
                "fresh": FRESH_PERIOD.total_seconds(),
            },
        )
        changed: int = cursor.rowcount
        if changed:
            cursor.execute("SELECT version FROM search_rankingversion")
            (version,) = cursor.fetchone() or (0,)
            _forget_history(version=version)
    return changed


# What search_exchangerate holds: per_euro numeric(18, 6), exponent a smallint. ISO 4217's minor
# units are 0 to 4 digits.
RATE_PLACES = Decimal("0.000001")
RATE_LIMIT = Decimal(10) ** 12
MAX_EXPONENT = 4


@transaction.atomic
def load_exchange_rates(*, path: Path) -> int:
    """Replace the rates with a CSV of `currency,per_euro,exponent`. A bad row rejects the file,
    and so does a file without a rate for every currency a host may price in (catalog's
    CURRENCIES: a truncated or empty file would leave their listings without a price to compare)
    or with EUR at anything but 1: nothing is written then. A set that differs from the current
    one moves the ranking version, under which the rates it replaces are kept
    (`PastExchangeRate`, search.0019): the later pages of a search read before convert prices as
    its first page did."""
    rates: dict[str, ExchangeRate] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        try:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                rate = _read_rate(path=path, number=number, row=row)
                if rate.currency in rates:
                    raise InvalidRatesFile(f"{path}:{number}: {rate.currency} is there twice")
                rates[rate.currency] = rate
        except UnicodeDecodeError as error:
            raise InvalidRatesFile(f"{path}: not UTF-8 text ({error.reason})") from error
        except csv.Error as error:
            raise InvalidRatesFile(f"{path}: not a CSV file ({error})") from error
    missing = [currency for currency in CURRENCIES if currency not in rates]
    if missing:
        raise InvalidRatesFile(f"{path}: no rate for {', '.join(missing)}")
    if rates["EUR"].per_euro != 1:
        raise InvalidRatesFile(f"{path}: EUR must be 1, not {rates['EUR'].per_euro}")
    return _replace_rates(rates=list(rates.values()))


def _read_rate(*, path: Path, number: int, row: dict[str | Any, str | Any]) -> ExchangeRate:
    """One row of a rates file, or InvalidRatesFile naming its line and what is wrong."""
    if not isinstance(row.get("currency"), str) or not isinstance(row.get("per_euro"), str):
        raise InvalidRatesFile(f"{path}:{number}: no currency or per_euro (the header names them)")
    currency = row["currency"].strip().upper()
    if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
        raise InvalidRatesFile(f"{path}:{number}: bad currency {currency!r}")
    try:
        per_euro = Decimal(row["per_euro"].strip())
    except InvalidOperation:
        per_euro = Decimal("NaN")
    if not (per_euro.is_finite() and per_euro < RATE_LIMIT) or per_euro.quantize(RATE_PLACES) <= 0:
        raise InvalidRatesFile(
            f"{path}:{number}: bad rate for {currency}: {row['per_euro']!r} "
            f"(a number above 0 and below {RATE_LIMIT:,}, to 6 places)"
        )
    try:
        exponent = int(row.get("exponent") or 2)
    except ValueError:
        exponent = -1
    if not 0 <= exponent <= MAX_EXPONENT:
        raise InvalidRatesFile(
            f"{path}:{number}: bad exponent for {currency}: {row.get('exponent')!r} "
            f"(a whole number from 0 to {MAX_EXPONENT})"
        )
    # Prices are stored in minor units and shown with the currency's ISO 4217 digits: another
    # exponent here made the search compare and sort them 10 or 100 times off what they show.
    if exponent != minor_units(currency):
        raise InvalidRatesFile(
            f"{path}:{number}: bad exponent for {currency}: {exponent} ({currency} has "
            f"{minor_units(currency)} digits after the point, as prices show it)"
        )
    return ExchangeRate(
        currency=currency, per_euro=per_euro.quantize(RATE_PLACES), exponent=exponent
    )


def _replace_rates(*, rates: list[ExchangeRate]) -> int:
    """Call inside the load's transaction. The table's write lock first (readers go on): a
    second load at once then waits, and reads, versions and replaces the first one's set; its
    DELETE skipped the rows the first had inserted meanwhile, which its INSERT then met."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE search_exchangerate IN SHARE ROW EXCLUSIVE MODE")
    current = list(ExchangeRate.objects.all())
    if _rate_set(current) != _rate_set(rates):
        with connection.cursor() as cursor:
            cursor.execute(MOVE_RANKING_VERSION.format(only=""))
            (version,) = cursor.fetchone() or (0,)
        PastExchangeRate.objects.bulk_create(
            PastExchangeRate(
                version=version,
                currency=rate.currency,
                per_euro=rate.per_euro,
                exponent=rate.exponent,
            )
            for rate in current
        )
        _forget_history(version=version)
    ExchangeRate.objects.all().delete()
    ExchangeRate.objects.bulk_create(rates)
    # Prices in the viewer's currency changed: cached searches and their ETags go stale.
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('outings_catalogue_version')")
    return len(rates)


def _rate_set(rates: list[ExchangeRate]) -> set[tuple[str, Decimal, int]]:
    return {(rate.currency, rate.per_euro, rate.exponent) for rate in rates}


def _forget_history(*, version: int) -> None:
    """Keep the qualities and rates of the last RANKING_HISTORY moves of the ranking version,
    `version` the last: a page read before those cannot be continued (engine/cursors.py)."""
    RankingChange.objects.filter(version__lte=version - RANKING_HISTORY).delete()
    PastExchangeRate.objects.filter(version__lte=version - RANKING_HISTORY).delete()


def currency_exponent(currency: str) -> int:
    """Digits of the currency's minor unit per the rates table (2 when it has no rate: the
    search then refuses the currency anyway)."""
    exponent = (
        ExchangeRate.objects.filter(currency=currency).values_list("exponent", flat=True).first()
    )
    return 2 if exponent is None else exponent


def bundled_currencies() -> list[str]:
    """The currencies of the bundled demo rates (data/exchange_rates.csv)."""
    path = Path(settings.BASE_DIR) / "data" / "exchange_rates.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["currency"] for row in csv.DictReader(handle)]
