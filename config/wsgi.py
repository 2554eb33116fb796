"""WSGI entry point: every HTTP request (gunicorn's sync workers; deploy/Procfile).

Once the application is loaded, the URLconf is imported too (with it every view, API router and
schema, which Django would otherwise import on the first request) and everything loaded so far is
frozen out of the garbage collector's sight (`gc.freeze`, as the gc module's documentation advises
for servers). Those ~165,000 long-lived objects can never be garbage, yet each full collection
walked all of them: about 100 ms during which the worker answered nothing, once every few hundred
requests. Frozen, a full collection looks only at what requests left behind (docs/benchmarks.md,
"Garbage collection").
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

get_resolver().url_patterns  # noqa: B018  (imports the URLconf now, not on the first request)
gc.collect()
gc.freeze()
