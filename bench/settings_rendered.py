"""bench.settings without the page cache: every anonymous page and fragment is rendered. The
pages section's baseline (bench/sections/pages.py); never deployed."""

from bench.settings import *  # noqa: F403
from bench.settings import CACHES as BASE_CACHES

CACHES = {**BASE_CACHES, "pages": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
