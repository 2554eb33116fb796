"""Review (session 19): whole-number settings read with env.int were not range-checked, so a value
below what makes sense started the site and misbehaved later, or answered 500:

- OUTBOX_MAX_ATTEMPTS, EMAIL_MAX_ATTEMPTS, PHOTO_RENDITION_ATTEMPTS below 1: a message was
  parked before it was tried, or (0 is falsy in relay.max_attempts) EMAIL_MAX_ATTEMPTS=0 was
  silently read as OUTBOX_MAX_ATTEMPTS;
- EMAIL_TIMEOUT (or EMAIL_URL's ?timeout=) below 1: a socket timeout of 0 is non-blocking and a
  negative one a ValueError, so every mail failed and was parked;
- PHOTO_MAX_BYTES below a megabyte and PHOTO_MAX_PIXELS below a megapixel (or below the
  smallest photo PHOTO_MIN_SIDE lets through): every photo refused, with "at most 0 MB" or "at
  most 0 megapixels"; PHOTO_MAX_PER_LISTING below 1: no listing could have a photo;
  PHOTO_MIN_SIDE below 1: a negative minimum;
- SCHEDULE_HORIZON_DAYS below 1: the hourly run retired every unbooked date after today (and a
  host's change was refused for every booked one); SLOT_HORIZON_DAYS below 1: the importer made
  no dates;
- DB_POOL_MIN below 0, DB_POOL_MAX below 1 or below DB_POOL_MIN: psycopg's pool refused to be
  made at the first query of every request (a 500 on every page);
- API_MAX_BODY_BYTES below 1: every API call with a body refused 413 (a negative one: every
  call); API_TRUSTED_PROXIES below 0: X-Forwarded-For read from the wrong end, an IndexError
  (500) on a single hop;
- PAGE_CACHE_MAX_AGE, API_CACHE_MAX_AGE, API_CORS_MAX_AGE, SECURE_HSTS_SECONDS below 0: a
  negative max-age sent in Cache-Control, Access-Control-Max-Age or Strict-Transport-Security.
  0 is meaningful for each of these (no shared caching, no preflight caching, no HSTS) and
  OUTBOX_KEEP_DAYS=0 too (delivered mail, reset links included, purged at the next purge);
- OUTINGS_PG_PORT outside 1..65535: the embedded PostgreSQL could not start.

Each now stops the start with one line naming it (Env.whole), as BOOKINGS_* and API_* do."""

import pytest

from outings.common.tests.test_operations import _env, _settings
from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start

MEGABYTE = 1024 * 1024

# variable, its least value, a value below it.
BOUNDS = [
    ("OUTBOX_MAX_ATTEMPTS", 1, "0"),
    ("OUTBOX_KEEP_DAYS", 0, "-1"),
    ("EMAIL_TIMEOUT", 1, "0"),
    ("EMAIL_MAX_ATTEMPTS", 1, "0"),
    ("PHOTO_MAX_BYTES", MEGABYTE, str(MEGABYTE - 1)),
    ("PHOTO_MAX_PIXELS", 1_000_000, "999999"),
    ("PHOTO_MIN_SIDE", 1, "0"),
    ("PHOTO_MAX_PER_LISTING", 1, "0"),
    ("PHOTO_RENDITION_ATTEMPTS", 1, "0"),
    ("SLOT_HORIZON_DAYS", 1, "0"),
    ("SCHEDULE_HORIZON_DAYS", 1, "0"),
    ("DB_POOL_MIN", 0, "-1"),
    ("DB_POOL_MAX", 1, "0"),
    ("PAGE_CACHE_MAX_AGE", 0, "-1"),
    ("API_CACHE_MAX_AGE", 0, "-1"),
    ("API_MAX_BODY_BYTES", 1, "0"),
    ("API_TRUSTED_PROXIES", 0, "-1"),
    ("API_CORS_MAX_AGE", 0, "-1"),
    ("SECURE_HSTS_SECONDS", 0, "-1"),
    ("OUTINGS_PG_PORT", 1, "0"),
]


@pytest.mark.parametrize(("variable", "least", "value"), BOUNDS)
def test_a_whole_number_setting_below_its_bound_stops_the_start_naming_it(
    variable: str, least: int, value: str
) -> None:
    refusal = _refusal(_start(**SERVICES, **{variable: value}))

    assert refusal == f"{variable} must be a whole number of at least {least}, not {value}"


def test_the_smallest_value_of_each_starts() -> None:
    started = _start(**SERVICES, **{variable: str(least) for variable, least, _below in BOUNDS})

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "started"


def test_a_pool_larger_at_least_than_at_most_stops_the_start() -> None:
    refusal = _refusal(_start(**SERVICES, DB_POOL_MIN="10", DB_POOL_MAX="8"))

    assert refusal == "DB_POOL_MAX must be a whole number of at least 10, not 8"


def test_a_pixel_limit_below_the_smallest_photo_stops_the_start() -> None:
    """A photo at least 1,200 pixels on each side has 1.44 megapixels: a limit of one
    megapixel refused every photo."""
    refusal = _refusal(_start(**SERVICES, PHOTO_MIN_SIDE="1200", PHOTO_MAX_PIXELS="1000000"))

    assert refusal == "PHOTO_MAX_PIXELS must be a whole number of at least 1440000, not 1000000"


def test_a_port_above_the_last_stops_the_start() -> None:
    refusal = _refusal(_start(**SERVICES, OUTINGS_PG_PORT="65536"))

    assert refusal == "OUTINGS_PG_PORT must be a whole number of at most 65535, not 65536"


def test_an_email_url_timeout_below_one_stops_the_start_naming_email_url() -> None:
    refusal = _refusal(_start(**SERVICES, EMAIL_URL="smtp://mail.internal:25?timeout=0"))

    assert refusal == "EMAIL_URL's timeout must be a whole number of at least 1, not 0"


def test_an_email_url_timeout_is_the_default_of_email_timeout() -> None:
    """Pinned: ?timeout=30 still sets EMAIL_TIMEOUT when EMAIL_TIMEOUT is unset."""
    env = _env(**SERVICES, EMAIL_URL="smtp://mail.internal:25?timeout=30")

    assert _settings(env, "settings.EMAIL_TIMEOUT") == 30


# Durations in seconds (env.float) that must be above 0: a beat interval of 0 or less runs its
# task in a tight loop (OUTBOX_SWEEP_SECONDS also expired each sweep as it was sent); a retry
# backoff of 0 or less retried a failing message at once, again and again, until parked; a relay
# budget of 0 delivered nothing and handed over to a fresh relay, for ever; a pool timeout of 0
# failed every request that had to wait for a connection.
SECONDS = [
    "OUTBOX_SWEEP_SECONDS",
    "OUTBOX_RETRY_BASE_SECONDS",
    "OUTBOX_RETRY_MAX_SECONDS",
    "OUTBOX_DRAIN_SECONDS",
    "DB_POOL_TIMEOUT",
    "STATS_FLUSH_SECONDS",
    "BOOKINGS_MINIMUM_CHECK_SECONDS",
]


@pytest.mark.parametrize("variable", SECONDS)
@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_duration_of_no_time_stops_the_start_naming_it(variable: str, value: str) -> None:
    refusal = _refusal(_start(**SERVICES, **{variable: value}))

    assert refusal == f"{variable} must be a number of seconds above 0, not {value}"


def test_a_relay_budget_past_the_relays_time_limit_stops_the_start() -> None:
    """A relay draining for longer than its soft time limit (60 s) was stopped mid-message."""
    refusal = _refusal(_start(**SERVICES, OUTBOX_DRAIN_SECONDS="90"))

    assert refusal == "OUTBOX_DRAIN_SECONDS must be a number of seconds of at most 45, not 90"


def test_short_durations_start() -> None:
    started = _start(**SERVICES, **{variable: "0.5" for variable in SECONDS})

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "started"


@pytest.mark.parametrize("value", ["outings.example.org", "https://", "ftp://outings.example.org"])
def test_a_site_url_that_is_no_web_address_stops_the_start(value: str) -> None:
    """Every link in mail (password resets, verification, bookings, transfers) starts with
    SITE_URL: without a scheme, `outings.example.org/accounts/...` led nowhere, silently."""
    refusal = _refusal(_start(**SERVICES, SITE_URL=value))

    assert refusal == f"SITE_URL must be an http:// or https:// address, not {value!r}"


def test_a_site_url_with_a_port_and_a_trailing_slash_starts() -> None:
    env = _env(**SERVICES, SITE_URL="https://outings.example.org:8443/")

    assert _settings(env, "settings.SITE_URL") == "https://outings.example.org:8443"


def test_cors_origins_are_read_as_the_hosts_are_spaces_and_all() -> None:
    """API_CORS_ALLOWED_ORIGINS="https://a.example, https://b.example" kept " https://b.example",
    which no Origin header equals: b's calls were refused, silently (ALLOWED_HOSTS and
    CSRF_TRUSTED_ORIGINS strip their items)."""
    env = _env(**SERVICES, API_CORS_ALLOWED_ORIGINS="https://a.example, https://b.example,")

    assert _settings(env, "settings.CORS_ALLOWED_ORIGINS") == [
        "https://a.example",
        "https://b.example",
    ]


@pytest.mark.parametrize("origin", ["app.example.org", "https://app.example.org/"])
def test_a_cors_origin_that_no_browser_sends_stops_the_start(origin: str) -> None:
    """A browser's Origin is a scheme and a host (and a port), nothing more: an origin without
    a scheme or with a path never matched (django-cors-headers says so in `manage.py check`
    only, naming its own setting)."""
    refusal = _refusal(_start(**SERVICES, API_CORS_ALLOWED_ORIGINS=f"https://a.example,{origin}"))

    assert refusal == (
        "API_CORS_ALLOWED_ORIGINS must list origins such as https://app.example.org "
        f"(a scheme and a host, no path), not {origin!r}"
    )


@pytest.mark.parametrize("origins", ["*,https://a.example", "https://a.example, *", "*,*"])
def test_any_origin_mixed_with_others_stops_the_start(origins: str) -> None:
    """ "*,https://a.example" was taken as a list in which "*" matches no browser's Origin: only
    a.example could call the API, where the operator meant any origin (or the other way round),
    silently. "*" stands alone."""
    refusal = _refusal(_start(**SERVICES, API_CORS_ALLOWED_ORIGINS=origins))

    assert refusal == (
        "API_CORS_ALLOWED_ORIGINS must be * alone (any origin) or a list of origins, "
        f"not both: {origins!r}"
    )


def test_any_origin_alone_still_starts() -> None:
    env = _env(**SERVICES, API_CORS_ALLOWED_ORIGINS=" * ")

    assert _settings(env, "settings.CORS_ALLOW_ALL_ORIGINS") is True
