"""For tests: a signed-in test client that gave its password a moment ago, as allauth records
it after /accounts/reauthenticate/ (creating an API token asks for it: ADR 0011)."""

import time

from allauth.account.internal.flows import login
from django.contrib.auth import SESSION_KEY
from django.test import Client


def reauthenticated(client: Client) -> Client:
    """`client` (signed in, e.g. with force_login) counts as having just given its password.
    To create a token its user needs a usable password (UserFactory(password=...)): one without
    has none to give, and is refused whatever the session holds (outings.accounts.requests)."""
    session = client.session
    session[login.AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session[login._AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(session[SESSION_KEY])
    session.save()
    return client
