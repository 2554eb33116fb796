"""The account pages of the site that allauth does not provide: personal API tokens."""

from collections.abc import Callable
from functools import wraps

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from outings.accounts import selectors, services
from outings.accounts.forms import ApiTokenForm
from outings.accounts.requests import recently_reauthenticated, signed_in_user
from outings.common.errors import NotFound

type View = Callable[..., HttpResponse]
# allauth's decorator, typed: a POST (creating a token) asks for the password first unless it
# was given in the last ACCOUNT_REAUTHENTICATION_TIMEOUT; a GET passes.
_asks_for_the_password: Callable[[View], View] = reauthentication_required(allow_get=True)


def password_first_on_post(view: View) -> View:
    """A GET passes; a POST passes once the password was given lately (recently_reauthenticated),
    else allauth asks for it and replays the POST. A user without a usable password, whom
    allauth would let through (it has nothing to ask them), is sent to set one instead."""
    asks = _asks_for_the_password(view)

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "GET" or recently_reauthenticated(request):
            return view(request, *args, **kwargs)
        if not signed_in_user(request).has_usable_password():
            messages.error(request, _(services.NO_PASSWORD))
            return redirect("account_set_password")
        return asks(request, *args, **kwargs)

    return guarded


# never_cache: the answer to a creation shows the secret, which no cache (nor the browser's
# Back button) may keep; the list is the user's own anyway.
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@password_first_on_post
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the user's active tokens; create one (its secret is shown in this answer only).
    Creating asks for the password first unless it was given within
    ACCOUNT_REAUTHENTICATION_TIMEOUT (five minutes unless set; allauth's reauthentication: the
    POST is suspended and replayed once it is given), so a session alone (a laptop left open, a
    stolen cookie) cannot mint a token that outlives it."""
    user = signed_in_user(request)
    # Bound on every POST, an empty one too (`request.POST or None` left that one unbound: a
    # 400 that said nothing).
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    issued, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                issued = services.create_api_token(user=user, name=form.cleaned_data["name"])
            except services.TooManyTokens:
                form.add_error(None, _("You have too many active tokens; revoke one first."))
                status = 409
            except services.InvalidToken as refused:  # the service's rules for a name
                form.add_error("name", refused.fields.get("name") or _(refused.message))
                status = 400
            else:
                form, status = ApiTokenForm(), 201
        else:
            status = 400
    context = {
        "form": form,
        "issued": issued,
        "tokens": selectors.active_api_tokens(user=user),
    }
    return render(request, "accounts/api_tokens.html", context, status=status)


# GET on the revoke buttons: the address a sign-in leads back to when one was pressed after
# the session ended. It goes back to the tokens, revoking nothing: a 405 was an empty page.


@login_required
@require_http_methods(["GET", "POST"])
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    if request.method == "GET":
        return redirect("accounts:api_tokens")
    try:
        services.revoke_api_token(
            user=signed_in_user(request), token_id=token_id, now=timezone.now()
        )
    except services.TokenAlreadyRevoked:
        # A second tab, a double click: the token is gone as asked; the list says so.
        messages.info(request, _("This token was revoked already; it no longer works."))
        return redirect("accounts:api_tokens")
    except NotFound as error:
        raise Http404 from error
    messages.success(request, _("The token is revoked; it no longer works."))
    return redirect("accounts:api_tokens")


@login_required
@require_http_methods(["GET", "POST"])
def revoke_all_api_tokens(request: HttpRequest) -> HttpResponse:
    """Revoke every token of the user at once. No password asked: revoking only takes access
    away. GET (back from signing in): the tokens, revoking nothing."""
    if request.method == "GET":
        return redirect("accounts:api_tokens")
    count = services.revoke_all_api_tokens(user=signed_in_user(request), now=timezone.now())
    messages.success(
        request,
        ngettext(
            "%(count)s token is revoked; it no longer works.",
            "%(count)s tokens are revoked; none of them works any more.",
            count,
        )
        % {"count": count},
    )
    return redirect("accounts:api_tokens")
