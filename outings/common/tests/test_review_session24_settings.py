"""Review (operations), session 24: README, "a value it cannot use stops the start with an
ImproperlyConfigured naming the variable". ALLOWED_HOSTS was read as any text: an entry Django
can never match a request's host with (an address with its scheme, as CSRF_TRUSTED_ORIGINS and
SITE_URL are written; a host with its port; a path) or none at all started the server, whose
/health/ready (answered before Django looks at the host) told the load balancer all was well,
while every page and API call answered 400 Bad Request."""

import pytest

from outings.common.tests.test_operations import _env, _settings
from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start

HOSTS_REFUSED = (
    "ALLOWED_HOSTS must list host names such as outings.example.org (.example.org for it and "
    "its subdomains, an IP address, [::1], or *), without a scheme, a port or a path, not "
)


@pytest.mark.parametrize(
    "value",
    [
        "https://outings.example.org",
        "outings.example.org:443",
        "outings.example.org/",
        "outings.example.org, http://10.0.0.11:8000",
        "[::1]:8000",
        "outings example.org",
    ],
)
def test_a_host_no_request_can_match_stops_the_start_naming_it(value):
    bad = value.split(", ")[-1]

    assert _refusal(_start(**SERVICES, ALLOWED_HOSTS=value)) == HOSTS_REFUSED + repr(bad)


@pytest.mark.parametrize("value", ["", " , "])
def test_no_host_at_all_stops_the_start_naming_it(value):
    """Without DEBUG, Django answers 400 to every request when ALLOWED_HOSTS is empty."""
    assert _refusal(_start(**SERVICES, ALLOWED_HOSTS=value)) == (
        "ALLOWED_HOSTS must name at least one host the site is served by, such as "
        "outings.example.org"
    )


def test_every_form_of_host_django_matches_starts():
    hosts = "Outings.Example.org, .example.net, 10.0.0.11, [::1], [2001:db8::1], localhost., *"

    assert _settings(_env(**SERVICES, ALLOWED_HOSTS=hosts), "settings.ALLOWED_HOSTS") == [
        "Outings.Example.org",
        ".example.net",
        "10.0.0.11",
        "[::1]",
        "[2001:db8::1]",
        "localhost.",
        "*",
    ]


# --- REDIS_URL: what redis-py makes of it ----------------------------------------------------
# preflight.check_redis_url_syntax checked the scheme and the port. redis-py reads the rest when
# the cache makes its first connection, in a request: a value it refuses raised ValueError or
# TypeError there, which the cache's callers do not take for an outage (only redis-py's own
# errors and OSError are), so every page reading the cache answered 500.


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (
            "redis://127.0.0.1:6379/0?socket_timeout=abc",
            "Invalid value for 'socket_timeout' in connection URL.",
        ),
        (
            "redis://127.0.0.1:6379/0?sockettimeout=2",
            "AbstractConnection.__init__() got an unexpected keyword argument 'sockettimeout'",
        ),
        (
            "rediss://127.0.0.1:6379/0?ssl_cert_reqs=CERT_REQUIRED",
            "Invalid SSL Certificate Requirements Flag: CERT_REQUIRED",
        ),
        (
            "redis://127.0.0.1:6379/l",
            "the database after the host must be a number, such as redis://host:6379/0, not 'l'",
        ),
    ],
)
def test_a_redis_url_redis_py_cannot_use_stops_the_start_naming_it(url, said):
    assert _refusal(_start(**SERVICES, REDIS_URL=url)) == f"REDIS_URL is malformed: {said}"


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/3?socket_timeout=2",
        "rediss://cache.internal:6380/0?ssl_cert_reqs=required",
        "unix:///run/redis/redis.sock?db=2",
        "redis://127.0.0.1:6379",
    ],
)
def test_redis_urls_redis_py_reads_start(url):
    assert _settings(_env(**SERVICES, REDIS_URL=url), "settings.REDIS_URL") == url


# --- EMAIL_URL's options ------------------------------------------------------------------------
# django-environ keeps a query option it does not know (?tls=true, dj-email-url's spelling) in
# an OPTIONS dict that Django never reads: the mail went out without the TLS asked for (a server
# that wants STARTTLS before AUTH refused each one: retried for hours, then parked). And it
# copies ?email_use_tls= as the text it is, so ?email_use_tls=false, a non-empty string, turned
# STARTTLS on.

EMAIL_OPTIONS_REFUSED = (
    "EMAIL_URL is malformed: it takes no option {!r} (smtp+tls:// for STARTTLS, smtp+ssl:// "
    "for TLS from the start; ?timeout= is its only option)"
)


@pytest.mark.parametrize(
    ("query", "option"),
    [
        ("tls=true", "tls"),
        ("ssl=True", "ssl"),
        ("email_use_tls=false", "email_use_tls"),
        ("timeout=10&use_tls=1", "use_tls"),
    ],
)
def test_an_email_option_no_one_reads_stops_the_start_naming_it(query, option):
    url = f"smtp://outings:secret@mail.internal:587?{query}"

    assert _refusal(_start(**SERVICES, EMAIL_URL=url)) == EMAIL_OPTIONS_REFUSED.format(option)


@pytest.mark.parametrize(
    ("url", "read"),
    [
        ("smtp+tls://u:p@mail.internal:587?timeout=10", [True, False, 10]),
        ("smtp+ssl://u:p@mail.internal:465", [False, True, 15]),
        ("smtp://mail.internal:25", [False, False, 15]),
    ],
)
def test_the_schemes_say_how_mail_is_encrypted(url, read):
    expression = "[settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL, settings.EMAIL_TIMEOUT]"

    assert _settings(_env(**SERVICES, EMAIL_URL=url), expression) == read


# --- CELERY_BROKER_URL's options ----------------------------------------------------------------
# preflight.check_broker_url_syntax checked each URL's scheme and port. kombu reads the options
# when Celery builds a connection: a Celery worker's start, and the outbox's nudge in a request's
# on-commit hook, whose publish catches the broker's errors (an outage) but not kombu's
# ValueError or TypeError: every write that nudges (a booking) answered 500 once committed.


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("amqp://guest:guest@rabbit.internal:5672//?heartbeat=abc", "could not convert string"),
        ("amqp://guest:guest@rabbit.internal:5672//?hearbeat=30", "'hearbeat'"),
        (
            "amqp://guest:guest@rabbit.internal:5672//;redis://cache.internal:6379/0?x=1",
            "'x'",
        ),
    ],
)
def test_a_broker_url_kombu_cannot_use_stops_the_start_naming_it(url, said):
    refusal = _refusal(_start(**SERVICES, CELERY_BROKER_URL=url))

    assert refusal.startswith("CELERY_BROKER_URL is malformed: ")
    assert said in refusal


@pytest.mark.parametrize(
    "url",
    [
        "amqp://guest:guest@rabbit.internal:5672//?heartbeat=30",
        "redis://cache.internal:6379/1",
        "amqp://guest:guest@a.internal:5672//;amqp://guest:guest@b.internal:5672//",
    ],
)
def test_broker_urls_kombu_reads_start(url):
    assert _settings(_env(**SERVICES, CELERY_BROKER_URL=url), "settings.CELERY_BROKER_URL") == url
