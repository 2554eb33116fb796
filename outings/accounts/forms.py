from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from outings.accounts.models import ApiToken


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
