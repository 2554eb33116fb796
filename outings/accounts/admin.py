from typing import Any

from allauth.account import admin as allauth_admin
from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outings.accounts import services
from outings.accounts.adapter import tell_staff_change
from outings.accounts.forms import refuse_taken
from outings.accounts.models import HostProfile, User, canonical_email
from outings.accounts.selectors import host_profile_version, users_with_address
from outings.common.bigtables import BigTableAdmin, KnownValuesFilter


class LanguageFilter(KnownValuesFilter):
    """The site's languages: Django's filter of the column asked for its values with SELECT
    DISTINCT over every user on each view."""

    title = _("language")
    parameter_name = "preferred_language__exact"  # the parameter Django's own filter took
    known = staticmethod(lambda: [code for code, _name in settings.LANGUAGES])


# What makes a user staff, a superuser or gives them permissions (directly or by a group).
GRANTS = ("is_staff", "is_superuser", "groups", "user_permissions")


def grants(request: HttpRequest) -> bool:
    """Only a superuser grants privileges in the admin. Django's admin let anyone who may change
    users (or groups) tick is_superuser, or add any permission or group, themselves included:
    "change user" was every permission. The simpler rule of the two ("only a superuser", rather
    than "only what one holds"): it needs no comparison of permission sets, and a group's
    permissions cannot be checked against its members' own."""
    return request.user.is_active and request.user.is_superuser


def outranks(request: HttpRequest, user: User | None) -> bool:
    """Whether `user` is someone else with more than a guest's rights (staff or a superuser)
    whom the one asking may not act as: their password, or an address of theirs that a password
    reset is sent to, set by someone who does not grant, would let that one sign in as them."""
    if user is None or user.pk == request.user.pk or grants(request):
        return False
    return user.is_staff or user.is_superuser


def _replace_address(*, user: User, old: str) -> None:
    """The account's address changed from `old` in the user admin: among allauth's addresses,
    the new one (user.email) takes the old one's place, so that the old no longer signs in nor
    gets "forgot your password" mail (a mailbox lost or taken over is why support changes it).
    An address the account has already keeps its verification; otherwise the new one is
    unverified, and its first log-in mails the link. It is primary if the old one was."""
    replaced = EmailAddress.objects.filter(user=user, email=old).first()
    if replaced is None:
        return
    existing = EmailAddress.objects.filter(user=user, email=user.email).first()
    if existing is None:
        replaced.email, replaced.verified = user.email, False
        replaced.save(update_fields=["email", "verified"])
        return
    replaced.delete()
    if replaced.primary:
        existing.primary = True
        existing.save(update_fields=["primary"])


# Another account's User.email (in any case) is refused by the model's constraint, with its own
# message; these refuse an address of allauth's that another account has.
class UserChangeAdminForm(UserChangeForm[User]):
    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        refuse_taken(email, other_than=self.instance.pk, user_email=False)
        return email


class UserAddAdminForm(AdminUserCreationForm[User]):
    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        refuse_taken(email, other_than=None, user_email=False)
        return email


@admin.register(User)
class UserAdmin(BigTableAdmin[User], DjangoUserAdmin[User]):
    """Django's user admin plus the fields our user adds (language and time zone), for millions
    of users (BigTableAdmin). Staff who are not superusers (support, with "change user") change
    the accounts of users who are not staff, and their own, but grant nothing (GRANTS are
    read-only to them), and only view other staff's and superusers' accounts (neither change nor
    delete them): a password or an address they set there would let them sign in as someone with
    more permissions."""

    # An address another account has, as its User.email or among its addresses, is refused.
    form = UserChangeAdminForm
    add_form = UserAddAdminForm
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Preferences"), {"fields": ("preferred_language", "time_zone")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", LanguageFilter)
    # The starts of addresses and user names (their unique columns' LIKE indexes) and numbers:
    # names and addresses were looked for inside every user's (icontains).
    search_fields = ("^email", "^username", "id")
    search_help_text = _("An email address or user name, or its start; a user's number.")

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if grants(request) else (*readonly, *GRANTS)

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """Also asked by the password form (user_change_password) of `obj`."""
        return not outranks(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """Staff with "delete user" removed superusers and other staff as well: the same rule as
        changing them. Django's bulk delete_selected asks this of every user it would delete
        and refuses the whole action (403) when one is refused."""
        return not outranks(request, obj) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """A user set inactive who hosts: their host profile is suspended in the same
        transaction (the admin's), so their listings leave the site (services), before the user
        is saved: the database suspends the host of any account set inactive (accounts
        migration 0008), and its audit entry names no one, where the service's names staff.
        The account's address changed: the address it replaces is told (`tell_staff_change`),
        as allauth tells the one a user replaces themselves."""
        if change and "is_active" in form.changed_data and not obj.is_active:
            staff = request.user
            assert isinstance(staff, User)
            services.suspend_host_of_deactivated_user(
                staff=staff, user_id=obj.pk, now=timezone.now()
            )
        super().save_model(request, obj, form, change)
        was = str(form.initial.get("email") or "")
        if change and was and was.lower() != obj.email.lower():
            _replace_address(user=obj, old=was.lower())
            tell_staff_change(
                request,
                user=obj,
                changes=["email_changed"],
                to=was,
                from_email=was,
                to_email=obj.email,
            )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's, telling the account (`tell_staff_change`) when staff set its password or
        turned password log-in off, in the transaction of the change."""
        with transaction.atomic():
            # get_object: None for an id that is no user's or no number (Django's 404 then).
            before = self.get_object(request, unquote(id))
            response = super().user_change_password(request, id, form_url)
            user = self.get_object(request, unquote(id))
            if request.method == "POST" and before and user and user.password != before.password:
                changed = "password_set" if user.has_usable_password() else "password_unset"
                tell_staff_change(request, user=user, changes=[changed])
        return response


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    """Django's, except that only a superuser sets a group's permissions (`grants`): staff who
    may change groups added any permission to a group they are in."""

    def get_readonly_fields(
        self, request: HttpRequest, obj: Group | None = None
    ) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if grants(request) else (*readonly, "permissions")


# allauth's admin of addresses, registered by the import above, for a table the size of the
# users': searched as they are, by the start of the address or the user's number.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(BigTableAdmin[EmailAddress], allauth_admin.EmailAddressAdmin):  # type: ignore[misc]
    search_fields = ("^email", "user")
    search_help_text = _("An email address or its start; a user's number.")

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return self.search_fields  # allauth's adds the user's names, looked for with icontains

    # Staff's and superusers' addresses are changed, verified and deleted by superusers only
    # (`outranks`): an address of one's own on a superuser's account receives the reset of its
    # password; without their verified address, the log-in by email no longer lets them in.
    def has_change_permission(self, request: HttpRequest, obj: EmailAddress | None = None) -> bool:
        owner = obj.user if obj is not None else None
        return not outranks(request, owner) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: EmailAddress | None = None) -> bool:
        """Also asked by the bulk delete_selected of every address it would delete: one refused
        refuses the whole action (403)."""
        owner = obj.user if obj is not None else None
        return not outranks(request, owner) and super().has_delete_permission(request, obj)

    @admin.action(
        description=allauth_admin.EmailAddressAdmin.make_verified.short_description,
        permissions=["change"],
    )
    def make_verified(self, request: HttpRequest, queryset: QuerySet[EmailAddress]) -> None:
        """allauth's, refused as a whole (403) when one of the addresses is of someone the one
        asking outranks, as the bulk delete is. An address another account has as its
        User.email is named and left unverified, as a confirmation of it is refused
        (AccountAdapter.confirm_email: allauth's set_verified here does not ask the adapter).
        Each account is told of each address verified (`tell_staff_change`)."""
        owners = User.objects.filter(Q(is_staff=True) | Q(is_superuser=True)).filter(
            pk__in=queryset.values("user_id")
        )
        if any(outranks(request, owner) for owner in owners):
            raise PermissionDenied
        with transaction.atomic():
            unverified = list(queryset.filter(verified=False))
            taken = [
                address.pk
                for address in unverified
                if users_with_address(email=address.email).exclude(pk=address.user_id).exists()
            ]
            for address in unverified:
                if address.pk in taken:
                    self.message_user(
                        request,
                        _("Unable to confirm %(email)s: another account has this address.")
                        % {"email": address.email},
                        level=messages.ERROR,
                    )
            super().make_verified(request, queryset.exclude(pk__in=taken))
            verified = [address.pk for address in unverified if address.pk not in taken]
            for address in EmailAddress.objects.filter(pk__in=verified, verified=True):
                tell_staff_change(
                    request,
                    user=address.user,
                    changes=["address_verified"],
                    address=address.email,
                )

    def save_model(self, request: HttpRequest, obj: EmailAddress, form: Any, change: bool) -> None:
        """The account is told what staff added or changed (`tell_staff_change`), as allauth
        tells what a user changes themselves, in the admin's transaction: at the primary address
        it had before the change (the one a change of the primary replaces, as allauth tells)."""
        primary = EmailAddress.objects.get_primary_email(obj.user)
        super().save_model(request, obj, form, change)
        if not change:
            tell_staff_change(
                request,
                user=obj.user,
                to=primary,
                changes=["address_added"],
                address=obj.email,
                verified=obj.verified,
            )
            return
        was = form.initial
        changes = []
        if str(was.get("email", "")).lower() != obj.email.lower():
            changes.append("address_changed")
        if obj.verified and not was.get("verified"):
            changes.append("address_verified")
        if obj.primary and not was.get("primary"):
            changes.append("address_primary")
        if changes:
            tell_staff_change(
                request,
                user=obj.user,
                to=primary,
                changes=changes,
                address=obj.email,
                from_email=was.get("email", ""),
                to_email=obj.email,
            )

    def delete_model(self, request: HttpRequest, obj: EmailAddress) -> None:
        user, address = obj.user, obj.email
        super().delete_model(request, obj)
        tell_staff_change(request, user=user, changes=["address_removed"], address=address)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[EmailAddress]) -> None:
        removed = [(address.user, address.email) for address in queryset.select_related("user")]
        super().delete_queryset(request, queryset)
        for user, address in removed:
            tell_staff_change(request, user=user, changes=["address_removed"], address=address)

    def get_form(
        self,
        request: HttpRequest,
        obj: EmailAddress | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> type[ModelForm[EmailAddress]]:
        form: type[ModelForm[EmailAddress]] = super().get_form(request, obj, change, **kwargs)

        class OwnerChecked(form):  # type: ignore[valid-type,misc]  # a class made at run time
            def clean_user(self) -> User:
                user: User = self.cleaned_data["user"]
                if outranks(request, user):
                    raise ValidationError(
                        _("Only a superuser may add or change the addresses of staff.")
                    )
                return user

            def clean(self) -> dict[str, Any]:
                """An address is one account's: not another's User.email nor one of its
                addresses, verified or not (`refuse_taken`), and kept as mail reaches it
                (`canonical_email`), as every other address is."""
                cleaned: dict[str, Any] = super().clean()
                user, email = cleaned.get("user"), cleaned.get("email")
                if email:
                    email = cleaned["email"] = canonical_email(email)
                if user is not None and email:
                    try:
                        refuse_taken(email, other_than=user.pk)
                    except ValidationError as error:
                        self.add_error("email", error)
                return cleaned

        return OwnerChecked


def _opened_at(host: HostProfile) -> str:
    """What the host admin's form was opened at: the profile's user account and version."""
    return f"{host.user_id}:{host_profile_version(host=host)}"


class HostProfileAdminForm(forms.ModelForm[HostProfile]):
    """Refuses a save over a change made since staff opened the form (invariant 5: no silent
    overwrite): the form posts every field, so without the check a profile the host saved
    meanwhile (or another staff member, or one given to another user account) was written back
    as the form showed it, even by staff correcting only the city. Checked inside the admin's
    transaction under the profile's row lock, held until the save; the columns the form does
    not edit (the suspension, the photo) are taken as they are under that lock, never written
    back as they were read before it."""

    expected_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = HostProfile
        fields = ("user", "display_name", "bio", "city", "languages", "is_demo")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = _opened_at(self.instance)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk:
            return cleaned
        current = HostProfile.objects.select_for_update(no_key=True).filter(pk=self.instance.pk)
        locked = current.first()
        if locked is None:
            return cleaned  # deleted meanwhile: the admin's save then finds nothing
        self.instance.suspended_at = locked.suspended_at
        self.instance.photo = locked.photo
        if cleaned.get("expected_version") != _opened_at(locked):
            # Staff's values stay in the fields, now based on the profile as it is: saving
            # again replaces what changed meanwhile on purpose, having read it.
            data = QueryDict(mutable=True)
            data.update(self.data)
            data[self.add_prefix("expected_version")] = _opened_at(locked)
            self.data = data
            raise ValidationError(
                _(
                    "This host's profile was changed since you opened it (by the host or by "
                    "someone else here). Yours is in the form: save again to replace it."
                ),
                code="conflict",
            )
        return cleaned


@admin.register(HostProfile)
class HostProfileAdmin(admin.ModelAdmin[HostProfile]):
    form = HostProfileAdminForm
    list_display = ("display_name", "user", "city", "is_demo", "suspended_at", "created_at")
    # Fixed date ranges: a date_hierarchy asked for its years, months or days with SELECT
    # DISTINCT date_trunc(...) over every host.
    list_filter = (
        ("suspended_at", admin.EmptyFieldListFilter),
        "is_demo",
        ("created_at", admin.DateFieldListFilter),
    )
    list_select_related = ("user",)
    search_fields = ("display_name", "city", "user__username", "user__email")
    raw_id_fields = ("user",)
    # The photo only through the host's own form, which checks it by content and re-encodes it
    # without metadata (outings/catalog/photos/images.py): a file field here stored any file
    # as sent, an HTML page or a portrait with the GPS position of the host's home. The
    # suspension only through Host moderation (accounts.services.suspend_host): audited, with
    # staff's reason, the host told; a date set here did none of that.
    readonly_fields = ("created_at", "photo", "suspended_at")
