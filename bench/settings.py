"""Settings for the benchmark server only: production settings plus the bench-only URLs.

Never deployed: config.wsgi serves config.settings, so the bench views exist only in a server
that `make bench` starts with DJANGO_SETTINGS_MODULE=bench.settings.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# Forced off whatever the environment says: with DEBUG on, Django keeps every query in memory
# and the figures would measure that.
DEBUG = False
