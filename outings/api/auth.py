"""Who is calling: a personal token (`Authorization: Bearer <token>`), the site's own session
(with CSRF on unsafe methods), or nobody.

Operations list the authenticators they accept; ninja tries them in order and the first that
returns a caller wins. A presented but unusable token is a 401 even on a public operation: a client
that sends credentials wants to know they failed, not to be silently served as anonymous.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from outings.accounts import services as account_services
from outings.accounts.models import ApiToken, User

# Lets anonymous callers through, after the real authenticators had their chance. Not in the
# OpenAPI security list; operations that accept it add `{}` (see PUBLIC_SECURITY).
ANONYMOUS = AnonymousUser()
PUBLIC_SECURITY: dict[str, Any] = {"security": [{}]}


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> User | None:
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationError(
                message=gettext_noop("The Authorization header must be 'Bearer <token>'.")
            )
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = account_services.authenticate_api_token(secret=token, now=timezone.now())
        if found is None:
            raise AuthenticationError(
                message=gettext_noop("The token is not valid or has been revoked.")
            )
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SessionAuth(APIKeyCookie):
    """The site's session. Unsafe methods must carry the CSRF token, as on the site's forms."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise AuthorizationError(message=gettext_noop("CSRF check failed."))
        assert isinstance(user, User)
        return user


def anonymous(request: HttpRequest) -> AnonymousUser:
    return ANONYMOUS


token_auth = TokenAuth()
session_auth = SessionAuth()
# Operations that need a caller, and operations anyone may call.
AUTHENTICATED = [token_auth, session_auth]
OPTIONAL = [token_auth, session_auth, anonymous]


def caller(request: HttpRequest) -> User:
    """The authenticated user of an operation that requires one."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def api_token_of(request: HttpRequest) -> ApiToken | None:
    token = getattr(request, "api_token", None)
    return token if isinstance(token, ApiToken) else None


def is_authenticated(request: HttpRequest) -> bool:
    return isinstance(getattr(request, "auth", None), User)
