"""Show a signed-in user the site in the language they chose, and remember the language and time
zone they read it in, for what reaches them elsewhere."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from outings.accounts.models import User
from outings.accounts.services import valid_languages
from outings.common.middleware import TIMEZONE_COOKIE
from outings.common.zones import known_zone


class SiteLanguageMiddleware:
    """A signed-in user who chose a language (`User.preferred_language`) reads the site in it,
    whatever the browser asks for: LocaleMiddleware, which runs before the user is known, picked
    the `django_language` cookie or Accept-Language, and this replaces its choice while the view
    answers, and no longer (`translation.override`: the thread's language afterwards is the one
    it had before), and says so in `Content-Language`. Pages for signed-in users never come from
    or go to the anonymous page cache, so its keys are untouched.

    For one who has not chosen, record the site's language and the browser's time zone (the
    `tz` cookie), so that their mail (rendered later, by a worker, with no browser to ask) is in
    the language they book in and says "your time" in their zone. Written only when one
    changes: one UPDATE the first time, none after. Install it after the authentication
    middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if not (isinstance(user, User) and user.is_authenticated):
            return self.get_response(request)
        self._record(user, request)
        chosen = user.preferred_language
        if not (chosen and chosen in valid_languages()):
            return self.get_response(request)
        request.LANGUAGE_CODE = chosen
        with translation.override(chosen):
            response = self.get_response(request)
        # LocaleMiddleware leaves a Content-Language it finds (an idempotent replay's own).
        response.headers.setdefault("Content-Language", chosen)
        return response

    def _record(self, user: User, request: HttpRequest) -> None:
        changes: dict[str, str] = {}
        language = (translation.get_language() or "")[:8]
        if (
            language
            and not user.preferred_language
            and language in valid_languages()
            and user.site_language != language
        ):
            changes["site_language"] = language
        zone = known_zone(request.COOKIES.get(TIMEZONE_COOKIE, ""))
        if user.time_zone == "UTC" and zone and user.site_time_zone != str(zone):
            changes["site_time_zone"] = str(zone)
        if changes:
            User.objects.filter(pk=user.pk).update(**changes)
            for field, value in changes.items():
                setattr(user, field, value)
