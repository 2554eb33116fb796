"""The bookings bench server's settings: bench.settings on the bookings bench database.

DATABASE_URL (the bench database) and the throttle rates come from the environment that
bench/sections/bookings.py passes. One change: with REDIS_URL set (the services profile), Celery's
broker is that Redis under a key prefix of the bench's own. A confirmation nudges the outbox relay
through the broker after commit, as in production, but no worker consumes during the bench: on a
broker shared with other work (the RabbitMQ or Redis of the machine), thousands of nudges would
wait for someone else's worker. The section deletes the prefixed keys afterwards.
"""

from bench.bookings.plan import BROKER_KEY_PREFIX
from bench.settings import *  # noqa: F403
from config.settings import REDIS_URL

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": BROKER_KEY_PREFIX}
