"""What the views of signed-in users read from their request."""

from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.http import HttpRequest

from outings.accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, in a view behind login_required (never AnonymousUser there)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _passes(request: HttpRequest) -> bool:
    return True


# allauth's public decorator, asked for its verdict alone: it raises ReauthenticationRequired
# unless the session gave the password (or another way allauth offers) within
# ACCOUNT_REAUTHENTICATION_TIMEOUT, whatever the request's method, and whatever
# ACCOUNT_REAUTHENTICATION_REQUIRED says (that setting is about allauth's own pages).
_allauth_verdict = reauthentication_required(_passes)


def recently_reauthenticated(request: HttpRequest) -> bool:
    """Whether the request's session gave the password on /accounts/reauthenticate/ within
    ACCOUNT_REAUTHENTICATION_TIMEOUT, by allauth's public `reauthentication_required` (until
    session 23 by the records it keeps in the session, read with an internal function). allauth
    says yes to a user who has no way to reauthenticate (no usable password): that one is
    refused here, since nothing but the session vouches for them."""
    user = request.user
    if not (user.is_authenticated and user.has_usable_password()):
        return False
    try:
        _allauth_verdict(request)
    except ReauthenticationRequired:
        return False
    return True
