"""What the views of signed-in users read from their request."""

import time

from allauth.account import app_settings
from allauth.account.internal.flows.login import get_authentication_records
from django.http import HttpRequest

from outings.accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, in a view behind login_required (never AnonymousUser there)."""
    user = request.user
    assert isinstance(user, User)
    return user


def recently_reauthenticated(request: HttpRequest) -> bool:
    """Whether the request's session gave the password on /accounts/reauthenticate/ within
    ACCOUNT_REAUTHENTICATION_TIMEOUT, by the records allauth keeps in the session (read with its
    internal function: tests in accounts/tests/test_review_session19_tokens.py and
    test_review_session20_tokens.py pin it). allauth's own did_recently_reauthenticate says yes
    to a user who has no way to reauthenticate (no usable password): that one is refused here,
    since nothing but the session vouches for them."""
    if not request.user.is_authenticated:
        return False
    records = [
        record
        for record in get_authentication_records(request, request.user)
        if record.get("reauthenticated")
    ]
    return bool(records) and time.time() - records[-1]["at"] < app_settings.REAUTHENTICATION_TIMEOUT
