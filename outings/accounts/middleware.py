"""Remember the language a signed-in user reads the site in, for what reaches them elsewhere."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from outings.accounts.models import User
from outings.accounts.services import valid_languages


class SiteLanguageMiddleware:
    """Record the site's language on a signed-in user who has not chosen one, so that their mail
    (rendered later, by a worker, with no browser to ask) is in the language they book in.
    Written only when it changes: one UPDATE the first time, none after."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated and not user.preferred_language:
            language = (translation.get_language() or "")[:8]
            if language and language in valid_languages() and user.site_language != language:
                User.objects.filter(pk=user.pk).update(site_language=language)
                user.site_language = language
        return self.get_response(request)
