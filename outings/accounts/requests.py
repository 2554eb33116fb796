"""What the views of signed-in users read from their request."""

from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate
from django.http import HttpRequest

from outings.accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, in a view behind login_required (never AnonymousUser there)."""
    user = request.user
    assert isinstance(user, User)
    return user


def recently_reauthenticated(request: HttpRequest) -> bool:
    """Whether the request's session gave the password on /accounts/reauthenticate/ within
    ACCOUNT_REAUTHENTICATION_TIMEOUT: the check allauth's reauthentication_required makes, for
    callers that answer a refusal themselves (the API's 403). allauth's own function, from its
    internal module: a test (accounts/tests/test_review_session19_tokens.py) pins it."""
    return bool(did_recently_reauthenticate(request))
