import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from outings.common.health import run_checks

logger = logging.getLogger(__name__)

# Checks whose failure text is a driver's error message: it names internal hosts, ports and
# users, so only staff read it in the answer; everyone else gets this, and the log has it all.
_DETAILED = frozenset({"database", "cache", "broker"})
UNREACHABLE = "unreachable (the server log says why)"


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 with every component "ok", or 503 naming what failed (and why, to staff)."""
    results = run_checks()
    failed = {name: problem for name, problem in results.items() if problem}
    if failed:
        logger.warning("health: %s", failed)
    if not getattr(request.user, "is_staff", False):
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
