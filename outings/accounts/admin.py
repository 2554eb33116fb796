from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from outings.accounts.models import HostProfile, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    """Django's user admin plus the fields our user adds (language and time zone)."""

    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Preferences"), {"fields": ("preferred_language", "time_zone")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "email", "password1", "password2")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "preferred_language")
    search_fields = ("username", "email", "first_name", "last_name")


@admin.register(HostProfile)
class HostProfileAdmin(admin.ModelAdmin[HostProfile]):
    list_display = ("display_name", "user", "city", "is_demo", "suspended_at", "created_at")
    list_filter = (("suspended_at", admin.EmptyFieldListFilter), "is_demo")
    list_select_related = ("user",)
    search_fields = ("display_name", "city", "user__username", "user__email")
    raw_id_fields = ("user",)
    # The photo only through the host's own form, which checks it by content and re-encodes it
    # without metadata (outings/catalog/photos/images.py): a file field here stored any file
    # as sent, an HTML page or a portrait with the GPS position of the host's home.
    readonly_fields = ("created_at", "photo")
    date_hierarchy = "created_at"
