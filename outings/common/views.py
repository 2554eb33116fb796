import logging
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.cache import never_cache
from django.views.static import serve

from outings.common.health import run_checks, run_readiness_checks

logger = logging.getLogger(__name__)

# Checks whose failure text is a driver's error message: it names internal hosts, ports and
# users, so only staff read it in the answer; everyone else gets this, and the log has it all.
_DETAILED = frozenset({"database", "cache", "broker"})
UNREACHABLE = "unreachable (the server log says why)"


def _is_staff(request: HttpRequest) -> bool:
    """Whether the caller is signed-in staff. HealthMiddleware answers /health before the
    session and authentication middleware run, so the user is loaded here, from the session
    cookie; a user whose row cannot be read is not staff. Call only with the database up: with
    it down, loading the user would wait for the pool's timeout."""
    try:
        if not hasattr(request, "user"):
            engine = import_module(settings.SESSION_ENGINE)
            request.session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
            request.user = auth.get_user(request)
        return bool(request.user.is_staff)
    except DatabaseError:
        return False


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 with every component "ok", or 503 naming what failed (and why, to staff)."""
    results = run_checks()
    failed = {name: problem for name, problem in results.items() if problem}
    if failed:
        logger.warning("health: %s", failed)
    if results["database"] is not None or not _is_staff(request):
        failed = {
            name: UNREACHABLE if name in _DETAILED else problem for name, problem in failed.items()
        }
    body = {
        "status": "ok" if not failed else "unavailable",
        "checks": {
            name: ("ok" if problem is None else "down") for name, problem in results.items()
        },
        "problems": failed,
    }
    return JsonResponse(body, status=503 if failed else 200)


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    """For a load balancer: whether this app server can serve requests (its database answers
    `SELECT 1`, its static files' manifest is loaded). 200 `{"status": "ok"}`, else 503 naming
    what failed, never why (the log says). Anonymous and cheap: one trivial query."""
    failed = {name: problem for name, problem in run_readiness_checks().items() if problem}
    if not failed:
        return JsonResponse({"status": "ok"})
    logger.warning("health/ready: %s", failed)
    problems = {
        name: UNREACHABLE if name in _DETAILED else problem for name, problem in failed.items()
    }
    return JsonResponse({"status": "unavailable", "problems": problems}, status=503)


@never_cache
def live(request: HttpRequest) -> JsonResponse:
    """For a process supervisor: this process answers HTTP. It reads nothing (a restart cures
    no database outage)."""
    return JsonResponse({"status": "ok"})


def media(request: HttpRequest, path: str) -> HttpResponseBase:
    """A file under MEDIA_ROOT (media on this machine's disk; `serve` keeps the path inside
    it), as a sandboxed document that loads nothing: uploads are images re-encoded by Pillow
    (a listing's photo by its renditions' task: until then it waits as sent, checked by content
    but with whatever follows its picture, under uploads/ and an unguessable name), but a file
    that is something else (put there by hand, or by a bug) must not run a script with the
    site's origin and the visitor's session."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Security-Policy"] = settings.MEDIA_CONTENT_SECURITY_POLICY
    return response
