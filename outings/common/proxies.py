"""Who is asking, behind the load balancer: one rule for every per-address limit (the API's
throttles, allauth's log-in and sign-up limits)."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address API_TRUSTED_PROXIES hops back in X-Forwarded-For (the hops
    our own proxies appended: earlier ones were written by the client and may be anything)."""
    proxies: int = settings.API_TRUSTED_PROXIES
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if proxies and forwarded:
        hops = [part.strip() for part in forwarded.split(",") if part.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(request.META.get("REMOTE_ADDR", "unknown"))
