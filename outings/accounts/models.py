import contextlib
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


def canonical_email(address: str) -> str:
    """`address` as one account holds it: in lower case, its domain as mail reaches it.
    Django's SMTP backend sends to a domain's IDNA encoding, which folds width, case and
    compatibility forms (NFKC): mail to `kate@example.org` typed in full-width letters reaches
    `kate@example.org`, and mail to `ada@xn--exmple-cua.org` reaches `ada@exämple.org`, the
    form kept. A domain the codec refuses (no valid address has one) is only put in lower
    case."""
    local, at, domain = address.rpartition("@")
    if at:
        with contextlib.suppress(UnicodeError):
            domain = domain.encode("idna").decode("idna")
    return f"{local}{at}{domain}".lower()


class User(AbstractUser):
    """The one user model, from the first migration: guests, hosts and staff alike."""

    email = models.EmailField(_("email address"), unique=True)
    preferred_language = models.CharField(_("language"), max_length=8, blank=True)
    # The language of the site as this user last used it (outings.accounts.middleware): what
    # mail is written in while preferred_language is blank ("follow the browser").
    site_language = models.CharField(_("language last used"), max_length=8, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # The zone this user's browser last reported on the site (the `tz` cookie), recorded by
    # outings.accounts.middleware: what mail shows "your time" in while time_zone is UTC, the
    # profile's "not chosen" (outings.common.middleware.TimezoneMiddleware reads it so too).
    site_time_zone = models.CharField(_("time zone last used"), max_length=64, blank=True)

    class Meta(AbstractUser.Meta):
        constraints = [
            # One account per address in any case: allauth keeps addresses in lower case, and so
            # does save() below (canonical_email); this backs it against an UPDATE or a raw
            # insert (migration 0009).
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_lower_unique",
                violation_error_message=_("User with this Email address already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        self.email = canonical_email(self.email)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The address as mail reaches it (canonical_email), as our adapter gives it to allauth
        (its EmailAddress and the User.email it writes), whoever makes or changes the account:
        the admin, createsuperuser, a script."""
        self.email = canonical_email(self.email)
        super().save(*args, **kwargs)

    def may_as_staff(self, permission: str) -> bool:
        """Whether this user acts as staff with `permission` ("app.codename"): the staff
        services ask what their admin action asks, since being staff only lets one into the
        admin (an active superuser has every permission)."""
        return self.is_staff and self.has_perm(permission)

    @property
    def reading_language(self) -> str:
        """The language to write to this user in away from the site (mail, live notifications):
        the profile's if they chose one, else the one they last read the site in."""
        return self.preferred_language or self.site_language

    @property
    def reading_time_zone(self) -> str:
        """The zone to show this user times in away from the site (mail, live notifications):
        the profile's if they chose one, else the one their browser last used on the site."""
        if self.time_zone != "UTC":
            return self.time_zone
        return self.site_time_zone or "UTC"


class HostProfile(models.Model):
    """The public face of someone who offers things to do."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="host_profile")
    display_name = models.CharField(_("name"), max_length=120)
    bio = models.TextField(_("about"), blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    # A square portrait, checked and re-encoded without metadata (outings/catalog/photos).
    photo = models.FileField(_("photo"), max_length=255, blank=True)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Generated for the demo catalogue.")
    )
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("host")
        verbose_name_plural = _("hosts")
        indexes = [
            # The suspended hosts, few as a rule: "more like this" reads them once a statement
            # (search.related.similar) without scanning every host.
            models.Index(
                fields=["id"],
                name="hostprofile_suspended",
                condition=models.Q(suspended_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name


class ApiToken(models.Model):
    """A personal API token. The secret is shown once, at creation; only its SHA-256 digest is
    kept (the secret carries 256 random bits, so an unsalted hash is as strong as the secret),
    plus a short non-secret prefix so the owner can tell tokens apart."""

    user = models.ForeignKey(  # apitoken_user_id in Meta leads with it
        User, on_delete=models.CASCADE, related_name="api_tokens", db_index=False
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "id"], name="apitoken_user_id")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
