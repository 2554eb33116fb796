"""One-time form tokens: a page's form that makes something carries one, a fresh one per
rendering, so that the same form sent twice (a double click, a POST retried after a slow answer,
the browser's "resend", the page Back restored) makes it once. The API's answer to the same
problem is the Idempotency-Key header (outings.api.idempotency); a browser's form cannot send
one.

The guest's booking form keeps its token on the booking it made (`Booking.form_token`, unique
per guest: bookings.services.hold_seats). The host's forms (a new listing, a schedule or a
one-off date, a day cancelled or moved, a photo upload) spend theirs here (`UsedFormToken`,
unique per user), in the transaction of the service that makes the thing, so a refusal leaves
it unspent.
"""

import secrets
from typing import cast

from django import forms
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext_noop

from outings.common.errors import DomainError
from outings.common.models import UsedFormToken

FORM_TOKEN_MAX = 64


def new_form_token() -> str:
    """The one-time token of a form as a page renders it."""
    return secrets.token_urlsafe(16)


def token_field() -> forms.CharField:
    """A form's hidden one-time token. Optional: a page of the release before had none. Its
    length is the service's to check (spend), whose refusal the page says above the form: a
    hidden field's own error reads "(Hidden field form_token) ..."."""
    return forms.CharField(widget=forms.HiddenInput, required=False, strip=False)


def renew_token(form: forms.Form) -> None:
    """Give a bound form refused for its token (InvalidFormToken) a new one, so that sending it
    again is read: with the same, every press came back refused."""
    data = cast(QueryDict, form.data).copy()  # a bound form's: the request's POST
    data["form_token"] = new_form_token()
    form.data = data


class InvalidFormToken(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop(
        "We could not read this form, so nothing was saved. Check it and send it again."
    )


class AlreadySent(Exception):
    """The form with this token was sent before and made something: `made_id` (its id, or
    that of the listing it was made on). The caller answers with that, not with an error."""

    def __init__(self, *, made_id: int | None) -> None:
        super().__init__(made_id)
        self.made_id = made_id


@transaction.atomic
def spend(
    *, user_id: int, token: str | None, kind: str, made_id: int | None = None
) -> UsedFormToken | None:
    """Spend the form token of the user `user_id` for a form of `kind`, in the caller's
    transaction: the caller then makes its thing and names it with `made` (or gives `made_id`
    here, when the form makes something on a thing it names: a listing's photos).
    AlreadySent if the token was spent; a submission of the same form still running holds it
    until it commits (the unique index makes this one wait), then this one is AlreadySent too,
    or spends it if that one was refused and rolled back. None for no token (a page of the
    release before, a script): the form makes its thing as before, once per post.
    InvalidFormToken for a token no page made (too long)."""
    if token is None or token == "":
        return None
    if len(token) > FORM_TOKEN_MAX:
        raise InvalidFormToken()
    used, new = UsedFormToken.objects.get_or_create(
        user_id=user_id, token=token, defaults={"kind": kind}
    )
    if not new:
        if used.kind != kind:
            # A token of another form (an edited post): not this form's.
            raise InvalidFormToken()
        raise AlreadySent(made_id=used.made_id)
    if made_id is not None:
        made(used, made_id=made_id)
    return used


def made(used: UsedFormToken | None, *, made_id: int) -> None:
    """Name what the form spending `used` made (nothing for a form without a token)."""
    if used is not None:
        used.made_id = made_id
        used.save(update_fields=["made_id"])
