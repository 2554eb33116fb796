from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from outings.accounts.models import ApiToken, canonical_email
from outings.accounts.selectors import address_holder, users_with_address


def refuse_taken(email: str, *, other_than: int | None, user_email: bool = True) -> None:
    """ValidationError naming the account other than `other_than` that has `email` as its
    address or as one of its addresses (`address_holder`): one address, one account."""
    holder = address_holder(email=email, other_than=other_than, user_email=user_email)
    if holder is not None:
        raise ValidationError(
            _("Another account (%(account)s) has this address."),
            code="taken",
            params={"account": holder.username},
        )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What uses it, e.g. “my calendar script”."),
    )


class AddEmailForm(allauth_forms.AddEmailForm):  # type: ignore[misc]
    """allauth's form for /accounts/email/, telling the account's primary address when another
    is added (allauth's ACCOUNT_EMAIL_NOTIFICATIONS tells a removed or new primary address and a
    changed password, but not an added address: one that a stolen session adds can then be made
    primary and receive the password reset)."""

    def save(self, request: HttpRequest) -> EmailAddress:
        address: EmailAddress = super().save(request)
        if address.pk:
            get_adapter(request).send_notification_mail(
                "account/email/email_added", self.user, {"added_email": address.email}
            )
        return address


class LoginForm(allauth_forms.LoginForm):  # type: ignore[misc]
    """allauth's log-in form, finding the account by the address as mail reaches it
    (canonical_email), as sign-up, adding an address and "forgot your password" find it
    (AccountAdapter.clean_email): it compared the typed address in lower case only, so the
    full-width or punycode spelling of an account's address signed nobody in. The failed-log-in
    limit per account counts the same address, however it is typed. An address kept before
    session 22 in another spelling (not rewritten) still signs in as it is kept: the typed
    spelling is used when no account has the canonical one (one query, for odd spellings only)."""

    def clean_login(self) -> str:
        typed = str(super().clean_login())
        canonical = canonical_email(typed)
        if canonical == typed.lower() or address_holder(email=canonical) is not None:
            return canonical
        return typed


class SignupForm(allauth_forms.SignupForm):  # type: ignore[misc]
    """allauth's sign-up form, making the account for an address that another account has only
    as an unverified address it added (not as its own User.email, nor verified): allauth counts
    any address of any account as taken, and anyone signed in may add any address unverified,
    so typing someone's address into one's own account kept its owner from ever signing up
    (they were mailed "you already have an account", and a reset of the other's account). The
    other account keeps its unverified copy, which can no longer be confirmed there
    (AccountAdapter.confirm_email refuses another account's own address)."""

    account_already_exists: bool  # allauth's, set by validate_unique_email

    def validate_unique_email(self, value: str) -> str:
        email = str(super().validate_unique_email(value))
        if self.account_already_exists and not _held_by_an_account(email):
            self.account_already_exists = False
        return email


def _held_by_an_account(email: str) -> bool:
    """Whether an account has `email` as its own (User.email) or verified among its addresses."""
    return (
        users_with_address(email=email).exists()
        or EmailAddress.objects.filter(email=canonical_email(email), verified=True).exists()
    )
