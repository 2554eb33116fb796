from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from outings.common.health import run_checks


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 with every component "ok", or 503 naming what failed and why."""
    results = run_checks()
    failed = {name: problem for name, problem in results.items() if problem}
    body = {
        "status": "ok" if not failed else "unavailable",
        "checks": {
            name: ("ok" if problem is None else "down") for name, problem in results.items()
        },
        "problems": failed,
    }
    return JsonResponse(body, status=503 if failed else 200)
