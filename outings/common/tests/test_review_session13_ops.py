"""Review (operations), session 13: an operator scaling Outings out starts gunicorn, Celery and
`manage.py migrate` straight from deploy/Procfile, without `make run`'s preflight. A setting
they mistype must stop that start with one message naming the variable, not start a server
that answers 500, or quietly means something else. Each test proves one defect."""

import re
import subprocess

import pytest

from outings.common.tests.test_operations import PY, ROOT, _env

# A services-profile environment: nothing is connected to while the settings are read.
SERVICES = {"DATABASE_URL": "postgres://outings@db.internal:5432/outings", "SECRET_KEY": "k"}


def _start(**environment: str) -> subprocess.CompletedProcess[str]:
    """Read the settings and load the apps in a fresh process, as gunicorn, a Celery worker
    or a management command does first."""
    return subprocess.run(
        [PY, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**_env(**environment), "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


# The configuration errors a refused start ends with (PreflightError is an ImproperlyConfigured).
REFUSALS = (
    "django.core.exceptions.ImproperlyConfigured: ",
    "outings.common.preflight.PreflightError: ",
)


def _refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The message of a start that failed on its configuration: the line an operator reads."""
    assert result.returncode != 0, result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(REFUSALS), result.stderr
    return last.partition(": ")[2]


@pytest.mark.parametrize("variable", ["SECURE_COOKIES", "DEBUG", "LISTING_APPROVAL_REQUIRED"])
@pytest.mark.parametrize("value", ["ture", "maybe", "ja"])
def test_a_yes_or_no_setting_with_an_unknown_value_stops_the_start_naming_it(variable, value):
    """django-environ reads any word it does not know as false: SECURE_COOKIES=ture served the
    site with cookies that are not Secure, no HSTS and no https redirect, and
    LISTING_APPROVAL_REQUIRED=ja published every listing without review, all without a word."""
    refusal = _refusal(_start(**SERVICES, **{variable: value}))

    assert variable in refusal
    assert repr(value) in refusal


@pytest.mark.parametrize(
    ("value", "meaning"),
    [
        *[("true", True), ("yes", True), ("on", True), ("1", True)],
        *[("false", False), ("no", False), ("off", False), ("0", False), ("", False)],
    ],
)
def test_a_yes_or_no_setting_reads_the_usual_spellings(value, meaning):
    assert shown_setting("settings.SESSION_COOKIE_SECURE", SECURE_COOKIES=value) == str(meaning)


def shown_setting(expression: str, **environment: str) -> str:
    """`expression` (of `settings`) as a fresh process started with `environment` (and the
    services profile's SERVICES) prints it."""
    result = subprocess.run(
        [
            PY,
            "-c",
            f"import django; django.setup(); from django.conf import settings;print({expression})",
        ],
        cwd=ROOT,
        env={**_env(**SERVICES, **environment), "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        # The settings forced the PostgreSQL engine onto whatever the URL said: `manage.py
        # check` passed, and gunicorn started, on a MySQL URL or on no URL at all.
        ("DATABASE_URL", "mysql://outings@db.internal/outings"),
        ("DATABASE_URL", "db.internal:5432/outings"),
        # A ValueError traceback from urllib that did not name the variable.
        ("DATABASE_URL", "postgres://outings@db.internal:pg/outings"),
        # Accepted at start; then every cached read (sessions, throttles) of every request
        # raised "Redis URL must specify one of the following schemes": a 500 on every page.
        ("REDIS_URL", "cache.internal:6379"),
        ("REDIS_URL", "redis://cache.internal:redis/0"),
        # Accepted at start; the worker then died on an unknown transport.
        ("CELERY_BROKER_URL", "rabbitmq://mq.internal//"),
        ("CELERY_BROKER_URL", "mq.internal:5672"),
    ],
)
def test_a_malformed_server_url_stops_the_start_naming_it(variable, value):
    refusal = _refusal(_start(**{**SERVICES, variable: value}))

    assert variable in refusal


def test_an_empty_secret_key_stops_a_services_profile_start():
    """SECRET_KEY= (set, but empty: a template's placeholder left blank) passed the settings;
    gunicorn started and the first page that signs anything (a session, a CSRF token) was a
    500 "The SECRET_KEY setting must not be empty"."""
    refusal = _refusal(_start(**{**SERVICES, "SECRET_KEY": ""}))

    assert "SECRET_KEY" in refusal


def test_an_unknown_log_level_stops_the_start_naming_it():
    """LOG_LEVEL=verbose ended in "ValueError: Unable to configure root logger", which names
    neither the variable nor what it may be."""
    refusal = _refusal(_start(**SERVICES, LOG_LEVEL="verbose"))

    assert "LOG_LEVEL" in refusal


def test_a_log_level_in_lower_case_is_read():
    result = _start(**SERVICES, LOG_LEVEL="debug")

    assert result.returncode == 0, result.stderr


def test_an_unknown_payment_provider_stops_the_start_naming_it():
    """BOOKINGS_PAYMENT_PROVIDER=stripe started; then every confirmation raised KeyError
    'stripe' inside outings.bookings.payments.provider: every booking a 500."""
    refusal = _refusal(_start(**SERVICES, BOOKINGS_PAYMENT_PROVIDER="stripe"))

    assert "BOOKINGS_PAYMENT_PROVIDER" in refusal
    assert "venue" in refusal


# Read from the environment, yet no operator's business: the runner sets it for its own child.
INTERNAL_VARIABLES = {"OUTINGS_WSGI_UPSTREAM"}
READS = re.compile(
    r"""(?:env(?:\.\w+)?\(\s*|os\.environ\.get\(\s*|_whole_number\(\s*)["']([A-Z][A-Z0-9_]+)["']"""
)


def test_every_variable_the_settings_and_the_runner_read_is_documented():
    """README: "Set environment variables and the same code talks to real servers". An
    operator learns what they can set from the README and docs/: DB_POOL_TIMEOUT, LOG_LEVEL and
    OUTINGS_VAR_DIR were only in .env.example's comments, AWS_QUERYSTRING_AUTH and
    TEST_DATABASE_NAME nowhere."""
    sources = ["config/settings.py", "outings/common/runner.py", "outings/common/embedded.py"]
    read = {name for path in sources for name in READS.findall((ROOT / path).read_text())}
    docs = (ROOT / "README.md").read_text() + "".join(
        page.read_text() for page in sorted((ROOT / "docs").glob("*.md"))
    )

    undocumented = sorted(
        name for name in read - INTERNAL_VARIABLES if not re.search(rf"`{name}[`=]", docs)
    )

    assert "DATABASE_URL" in read  # the pattern finds what it is meant to
    assert undocumented == []
