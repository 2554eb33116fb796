"""The search bench's server and capture settings: bench.settings on the bench catalogue.

DATABASE_URL (the bench database) and the throttle rates come from the environment that
bench/sections/search.py passes. One change to the cache: the file cache of a profile without
REDIS_URL keeps 300 entries (Django's default MAX_ENTRIES) and drops a third of them whenever it
is full, so a 300-query mix would never be warm in it. Here it gets a directory of its own
(nothing else's entries, nothing left behind in ./var/cache) and room for the mix. With REDIS_URL
set, the Redis cache is used as it is.
"""

from bench.settings import *  # noqa: F403
from config.settings import CACHES as BASE_CACHES
from config.settings import VAR_DIR

if BASE_CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    CACHES = {
        "default": {
            **BASE_CACHES["default"],
            "LOCATION": str(VAR_DIR / "bench" / "search-cache"),
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
        "pages": BASE_CACHES["pages"],
    }
