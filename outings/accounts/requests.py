"""What the views of signed-in users read from their request."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.utils.http import url_has_allowed_host_and_scheme

from outings.accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, in a view behind login_required (never AnonymousUser there)."""
    user = request.user
    assert isinstance(user, User)
    return user


def same_site_referer(request: HttpRequest) -> str | None:
    """The path (and query) of the page the request came from, when its Referer is this site's;
    else None (none sent, another site's, http on an https site)."""
    referer = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# A view that takes a form, as the decorators below wrap it.
View = Callable[..., HttpResponseBase]
# The page that shows a view's form, from the form's request and the view's arguments (its
# path's); None when the request does not say (then the form's own address).
FormPage = Callable[..., str | None]


def login_required_back_to_the_form(view: View) -> View:
    """login_required for a view that takes a form: a form sent without a session (a page left
    open until the session ended, a sign-out in another tab) sends the visitor to sign in with
    `next` set to the page the form was on (its Referer, when this site's), where they send it
    again. With `next` set to the form's own address, signing in went on there with a GET,
    which a POST-only view answered 405, an empty page, and did nothing. A GET, or a form
    without a usable Referer, is sent on to its own address as login_required does: for a
    view that answers a GET. A POST-only view names its form's page
    (login_required_back_to)."""
    return login_required_back_to(None)(view)


def login_required_back_to(form_page: FormPage | None) -> Callable[[View], View]:
    """login_required_back_to_the_form for a view whose form is on a page `form_page` names
    (called with the request and the view's arguments): a form sent without a session and
    without a usable Referer (a browser or an extension that sends none) leads there once
    signed in. It led to the form's own address: for a POST-only view a 405, an empty page,
    and for "Book" a 404, until session 24."""

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated:
                return view(request, *args, **kwargs)
            page = None
            if request.method == "POST":
                page = same_site_referer(request)
                if page is None and form_page is not None:
                    page = form_page(request, *args, **kwargs)
            return redirect_to_login(page or request.get_full_path())

        return checked

    return decorator


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
