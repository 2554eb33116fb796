from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware import locale
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control

from outings.common.views import health, live, ready
from outings.common.zones import known_zone

TIMEZONE_COOKIE = "tz"
HEALTH_PATH = "/health"  # config/urls.py routes them too (reverse("health"), ...)
# Answers that have no content, hence no Content-Length (RFC 9110, 8.6).
WITHOUT_CONTENT = (204, 304)
HEALTH_VIEWS = {HEALTH_PATH: health, f"{HEALTH_PATH}/ready": ready, f"{HEALTH_PATH}/live": live}


class ContentLengthMiddleware:
    """Send no Content-Length with an answer that has no content, a 204 or a 304 (RFC 9110, 8.6:
    forbidden in a 204, and in a 304 unless it is the length of the 200 it stands for, which a
    cache or a client could take for the length of the body it holds). Django's
    CommonMiddleware gives every answer the length of its content, "0" for these: the pages'
    (a file under /media/ revalidated by its date) as the API's. Install it outside every other
    middleware but the request id's, so that it sees the final answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code in WITHOUT_CONTENT:
            response.headers.pop("Content-Length", None)
        return response


class HealthMiddleware:
    """Answer /health (and /health/ready, /health/live) before the session and authentication
    middleware and anything else that reads the database or the cache, which are what it
    reports on: with the database down, a signed-in caller's user (loaded by
    TimezoneMiddleware) made the answer a 500 instead of the 503 that names the database; and
    a load balancer's probe sets no session cookie. Install it before them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = HEALTH_VIEWS.get(request.path_info)
        if view is not None:
            return view(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY with every answer that has no policy of its own (a
    view that needs another sets the header itself). The pages carry no inline script, style or
    handler and nothing htmx would evaluate (outings/web/tests/test_review_security_session14.py
    checks them), so the policy allows none: markup injected past the templates' escaping and
    nh3 runs no script."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Content-Security-Policy"):
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response


class TimezoneMiddleware:
    """Render times in the viewer's zone: their profile's, else the browser's (a cookie set by
    a line of JavaScript), else UTC. The cookie is the visitor's to write: a name that is no
    zone counts as none.

    The zone is current while the request is answered and no longer: the thread's zone
    afterwards is the one it had before (`timezone.override`). Activated and left, it stayed
    current for whatever the thread ran next until the next request set its own: in the test
    suite, the next test (one writing a date's local time into the admin's form wrote it in the
    previous test's zone). A streamed body is written after this returns, so it gives its times
    with an explicit zone, as the roster's CSV does."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = request.COOKIES.get(TIMEZONE_COOKIE, "")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone != "UTC":
            name = user.time_zone
        # None: the default zone (UTC) for this request.
        with timezone.override(known_zone(name)):
            return self.get_response(request)


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's LocaleMiddleware (the language from the `django_language` cookie, else
    Accept-Language; `Content-Language` and `Vary` on the way out), whose language is current
    while the request is answered and no longer: the thread's language afterwards is the one it
    had before, as TimezoneMiddleware does with the zone. Django's activates and leaves it, so
    whatever the thread ran next until a request set its own (a receiver of request_finished,
    the next request's middleware before this one, the next test) ran in the last visitor's
    language. It also gives back the language SiteLanguageMiddleware, inside it, chose.
    Middleware outside it that write text on the way out name the language themselves
    (`request.LANGUAGE_CODE`, as ApiMiddleware does); a streamed body, written after this
    returns, does as the roster's CSV does."""

    # Sync only: the language is given back once the response is made, not a coroutine.
    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with translation.override(translation.get_language()):
            response = super().__call__(request)
        assert isinstance(response, HttpResponseBase)  # sync only: no coroutine
        return response


class PrivateWhenSignedInMiddleware:
    """A response made for a signed-in user is theirs alone: `Cache-Control: private` unless
    the view set its own, so that no shared cache (a CDN, the load balancer) keeps a host's
    roster or a guest's bookings. Responses to anonymous requests are left as their views made
    them (the public API's reads and the cached explore page say what they allow)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True)
        return response
