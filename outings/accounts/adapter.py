"""django-allauth wired to our rules: its mail (address verification, password reset, security
notices) leaves through the outbox like every other side effect, rendered now and sent by a
worker, with its links on the public address (settings.SITE_URL) and in its reader's language
like the rest of our mail."""

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from outings.accounts.mail import enqueue_mail
from outings.accounts.models import User, canonical_email
from outings.accounts.selectors import users_with_address
from outings.accounts.services import valid_languages
from outings.common.proxies import client_ip
from outings.common.zones import zone_or_utc

LOGGED_OUT_MESSAGE = "account/messages/logged_out.txt"


@dataclass(frozen=True)
class PublicSite:
    """What allauth's mail templates read as `current_site` (Django's Site has these two)."""

    name: str
    domain: str


def on_public_site(url: str) -> str:
    """`url` moved to settings.SITE_URL. allauth builds its links from the request's Host: a
    reset asked for through another name the app servers answer to (an app server's own
    address, kept in ALLOWED_HOSTS for the load balancer's checks) would mail its secret key to
    that host."""
    parts = urlsplit(url)
    return f"{settings.SITE_URL}{urlunsplit(('', '', parts.path, parts.query, parts.fragment))}"


def reader(email: str, user: object) -> User | None:
    """The account that mail to `email` goes to: the mail's `user`, else the one with `email`."""
    if isinstance(user, User):
        return user
    return users_with_address(email=email).first()


def reader_language(email: str, user: object) -> str | None:
    """The language to write account mail to `email` in: that of the account it goes to (the
    mail's `user`, else the account with this address) as every other mail to them
    (User.reading_language), since whoever asked for a reset or signed up with a taken address
    may read another language than the account's owner; the request's when there is no such
    account or it has none."""
    account = reader(email, user)
    language = account.reading_language if account is not None else ""
    return language if language and language in valid_languages() else translation.get_language()


STAFF_CHANGE = "account/email/staff_change"


def tell_staff_change(
    request: HttpRequest,
    *,
    user: User,
    changes: list[str],
    to: str | None = None,
    **context: object,
) -> None:
    """Tell `user` of `changes` staff made to their account in the admin (`password_set`,
    `password_unset`, `email_changed`, `address_added`, `address_changed`, `address_verified`,
    `address_primary`, `address_removed`; the template's context in `context`), as allauth tells
    the changes they make themselves (ACCOUNT_EMAIL_NOTIFICATIONS): through the outbox, in the
    account's language and zone, to `to` or else the account's primary address. The mail says
    our team made it, not from which IP address or browser (a staff member's). Call in the
    transaction of the change."""
    get_adapter(request).send_notification_mail(
        STAFF_CHANGE, user, {"changes": changes, **context}, email=to
    )


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render allauth's mail in its reader's language (`reader_language`) and queue it
        (outbox kind "accounts.mail"); it is sent after commit, with retries while SMTP is down.
        Every link in it (`activate_url`, `password_reset_url`, `signup_url` ...) is on
        SITE_URL, and the greeting names the site, not the request's Host."""
        links = {
            key: on_public_site(value)
            for key, value in context.items()
            if key.endswith("_url") and isinstance(value, str)
        }
        site = PublicSite(name="Outings", domain=urlsplit(settings.SITE_URL).netloc)
        context = {"email": email, "current_site": site, **context, **links}
        account = reader(email, context.get("user"))
        # The account's zone, as every other mail to them; the request's when there is none.
        zone = (
            zone_or_utc(account.reading_time_zone)
            if account is not None
            else timezone.get_current_timezone()
        )
        with translation.override(reader_language(email, account)), timezone.override(zone):
            moment = context.get("timestamp")  # a security notice's: when the change was made
            if isinstance(moment, datetime):
                # Named with its zone, as every time in mail and on pages ("04:31 CET").
                local = timezone.localtime(moment)
                context["timestamp"] = (
                    f"{date_format(local, 'DATETIME_FORMAT')} {date_format(local, 'T')}"
                )
            enqueue_mail(self.render_mail(template_prefix, email, context))

    def send_notification_mail(
        self,
        template_prefix: str,
        user: AbstractBaseUser,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        """A security notice (ACCOUNT_EMAIL_NOTIFICATIONS: password changed or reset, an address
        added, removed or made primary), by send_mail like all account mail. It carries its
        account, so that it is written in the account's language and time zone also when it goes
        to an address that is no longer User.email (the one just replaced as primary)."""
        context = {"user": user, **(context or {})}
        super().send_notification_mail(template_prefix, user, context, email)

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        """allauth's, refusing (with a message, changing nothing) an address that another
        account has as its User.email: allauth refuses one that another account has verified
        among its addresses, but an account whose own is not verified there yet (a sign-up
        waiting for its link, one made by the admin or createsuperuser) has it only as its
        User.email, and a user who added that address to theirs (allauth lets anyone add any,
        so as not to tell which have accounts) had it confirmed by its owner's click on the link
        that owner expected: the owner's own link then failed, and with it their log-in. Once
        confirmed, the address leaves the other accounts that have it unverified."""
        taken = users_with_address(email=email_address.email).exclude(pk=email_address.user_id)
        if taken.exists():
            self.add_message(
                request,
                messages.ERROR,
                message=_("Unable to confirm %(email)s: another account has this address.")
                % {"email": email_address.email},
            )
            return False
        confirmed: bool = super().confirm_email(request, email_address)
        if confirmed:
            # Its owner proved it theirs: unverified copies another account added (anyone may
            # add any address) go, so that its resets and the admin's "one address, one
            # account" find this account alone (outings.accounts.forms.SignupForm).
            EmailAddress.objects.filter(
                email=canonical_email(email_address.email), verified=False
            ).exclude(user_id=email_address.user_id).delete()
        return confirmed

    def clean_email(self, email: str) -> str:
        """Every address a form of allauth's takes (sign-up, adding an address, a reset): as
        mail reaches it (canonical_email: `kate@example.org` typed in full-width letters is
        `kate@example.org`, found taken); with nothing but ASCII before the @ (Django's
        validator takes a long s, U+017F, there, an "s" to its case-blind pattern, and Django's
        SMTP backend sends such a local part as a MIME encoded word that no mailbox has); and
        at most what the address columns hold (ACCOUNT_EMAIL_MAX_LENGTH, 254). Its forms set no
        length: a longer one made an account with the address cut short (allauth's user_field
        truncates), or a 500 when adding it."""
        email = canonical_email(super().clean_email(email))
        if not email.rpartition("@")[0].isascii():
            raise ValidationError(
                _(
                    "Before the @, use only letters without accents, digits and punctuation: "
                    "our mail cannot reach other characters there."
                )
            )
        limit = allauth_settings.EMAIL_MAX_LENGTH
        if len(email) > limit:
            raise ValidationError(_("At most %(n)s characters.") % {"n": limit})
        return email

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        """allauth's messages, written in the language the user chose (SiteLanguageMiddleware
        applies it only to a request that arrives signed in: "Successfully signed in" was in the
        browser's language, on a page in the chosen one). But not "You have signed out.":
        logging out lands on the home page, an anonymous page served whole from the page cache,
        which shows no messages, so that one waited in the visitor's messages cookie and greeted
        their next sign-in. The header's "Log in" says it."""
        if message_template == LOGGED_OUT_MESSAGE:
            return
        user = getattr(request, "user", None)
        chosen = user.preferred_language if isinstance(user, User) else ""
        applies = chosen and chosen in valid_languages()  # "": follow the browser
        with translation.override(chosen) if applies else nullcontext():
            super().add_message(
                request, level, message_template, message_context, extra_tags, message=message
            )

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's per-IP limits count (failed log-ins, sign-ups): the client's,
        behind our proxies, by the API's rule (API_TRUSTED_PROXIES), not the proxy's that every
        visitor shares. allauth's own reading of ALLAUTH_TRUSTED_PROXY_COUNT answers a request
        with fewer X-Forwarded-For hops than the count (one straight to an app server) with
        ImproperlyConfigured, a 500."""
        return client_ip(request)
