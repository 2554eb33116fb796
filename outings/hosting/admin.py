"""Moderation in the admin: approve or reject submitted listings, suspend or reinstate hosts, read
the audit log. Every action calls a service (which checks the state and writes the audit entry);
nothing here changes a row directly."""

import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from outings.accounts import services as account_services
from outings.accounts.models import User
from outings.bookings.forms import message_of
from outings.catalog import services as catalog_services
from outings.catalog.models import AUDIT_ACTIONS, AuditEntry, Listing
from outings.common.bigtables import BigTableAdmin, KnownValuesFilter
from outings.common.errors import DomainError
from outings.hosting.models import HostModeration, ListingReview

VERSION = re.compile(r"[0-9]{1,9}")  # as the review page writes it; anything else was not shown


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _said(error: DomainError) -> str:
    """A service's refusal in one line for the admin's messages: what and why, field by field."""
    details = [str(text) for texts in error.fields.values() for text in texts]
    return " ".join([message_of(error), *details])


def _chosen_ids(request: HttpRequest, queryset: QuerySet[Any]) -> list[int]:
    """The ids staff chose, in the list's order: each ticked row's, also one that left the
    action's queryset since the list was shown (a listing archived meanwhile is no longer to
    review), so that the action names it with why instead of passing over it; every row of the
    list with "select all"."""
    if request.POST.get("select_across") == "1":
        return list(queryset.values_list("pk", flat=True))
    posted = request.POST.getlist(ACTION_CHECKBOX_NAME)
    return list(dict.fromkeys(int(value) for value in posted if value.isdigit()))


def _each(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    chosen: Iterable[tuple[str, Callable[[], object]]],
    *,
    done: Callable[[str], str],
) -> None:
    """Make each (name, call) of `chosen` on its own: one the service refuses (deleted or moved
    on since the list was shown, a reason it cannot store) is named with why and stops none of
    the others; those it did are named in one message after them (`done` of their names), and
    none is claimed when none was done."""
    changed = []
    for name, call in chosen:
        try:
            call()
        except DomainError as error:
            model_admin.message_user(request, f"{name}: {_said(error)}", messages.ERROR)
        else:
            changed.append(name)
    if changed:
        model_admin.message_user(request, done(", ".join(changed)), messages.SUCCESS)


def _ask_reason(
    request: HttpRequest, queryset: QuerySet[Any], action: str, title: str
) -> HttpResponse | None:
    """An intermediate page asking why; None once the reason was given. It carries every id
    staff chose on to the action (_chosen_ids)."""
    if request.POST.get("reason", "").strip():
        return None
    context = {
        "title": title,
        "objects": queryset,
        "action": action,
        "opts": queryset.model._meta,
        "ids": [str(pk) for pk in _chosen_ids(request, queryset)],
    }
    return TemplateResponse(request, "admin/hosting/reason.html", context)


@admin.register(ListingReview)
class ListingReviewAdmin(admin.ModelAdmin[ListingReview]):
    list_display = ("title", "host", "city", "status", "updated_at")
    list_filter = ("status",)
    list_select_related = ("host",)
    search_fields = ("title", "host__display_name")
    ordering = ("updated_at",)
    actions = ("approve", "reject")
    readonly_fields = ("title", "summary", "description_html", "host", "status", "version")
    fields = readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ListingReview]:
        return super().get_queryset(request).filter(status=Listing.Status.SUBMITTED)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Approve and publish…"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[ListingReview]) -> Any:
        """A page showing what will go live, each listing with its version; confirming
        publishes those versions only: a listing its host changed since the page was shown is
        not published, and staff are told."""
        if "confirm" not in request.POST:
            context = {
                **self.admin_site.each_context(request),
                "title": _("Publish these listings as shown?"),
                "listings": queryset,
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "admin/hosting/approve.html", context)
        staff = _staff(request)

        def approve_one(listing_id: int) -> None:
            reviewed = request.POST.get(f"version_{listing_id}", "")
            if not VERSION.fullmatch(reviewed):
                raise DomainError(gettext_noop("not shown for review."))
            catalog_services.approve_listing(
                staff=staff, listing_id=listing_id, reviewed_version=int(reviewed)
            )

        _each(
            self,
            request,
            [(name, partial(approve_one, pk)) for name, pk in _listings(request, queryset)],
            done=lambda names: _("Approved: %(listings)s.") % {"listings": names},
        )
        return None

    @admin.action(description=_("Send back to the host…"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[ListingReview]) -> Any:
        page = _ask_reason(request, queryset, "reject", str(_("Why does it go back?")))
        if page is not None:
            return page
        reject = partial(
            catalog_services.reject_listing, staff=_staff(request), reason=request.POST["reason"]
        )
        _each(
            self,
            request,
            [(name, partial(reject, listing_id=pk)) for name, pk in _listings(request, queryset)],
            done=lambda names: _("Sent back: %(listings)s.") % {"listings": names},
        )
        return None


def _listings(request: HttpRequest, queryset: QuerySet[ListingReview]) -> list[tuple[str, int]]:
    """(title, id) of each listing staff chose (_chosen_ids), as it is now, whatever its state:
    the service refuses one that left review, saying why; "#<id>" for one deleted since."""
    ids = _chosen_ids(request, queryset)
    titles = dict(Listing.objects.filter(pk__in=ids).values_list("pk", "title"))
    return [(titles.get(pk, f"#{pk}"), pk) for pk in ids]


@admin.register(HostModeration)
class HostModerationAdmin(admin.ModelAdmin[HostModeration]):
    list_display = ("display_name", "user", "city", "suspended_at")
    list_filter = (("suspended_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("display_name", "user__email")
    actions = ("suspend", "reinstate")
    readonly_fields = ("display_name", "user", "city", "bio", "suspended_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Suspend (hide their listings at once)…"), permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[HostModeration]) -> Any:
        page = _ask_reason(request, queryset, "suspend", str(_("Why is this host suspended?")))
        if page is not None:
            return page
        self._each_host(
            request,
            queryset,
            account_services.suspend_host,
            done=str(_("Suspended: %(hosts)s.")),
            reason=request.POST["reason"],
            now=timezone.now(),
        )
        return None

    @admin.action(description=_("Reinstate"), permissions=["change"])
    def reinstate(self, request: HttpRequest, queryset: QuerySet[HostModeration]) -> None:
        done = str(_("Reinstated: %(hosts)s."))
        self._each_host(request, queryset, account_services.reinstate_host, done=done)

    def _each_host(
        self,
        request: HttpRequest,
        queryset: QuerySet[HostModeration],
        service: Callable[..., object],
        *,
        done: str,
        **extra: Any,
    ) -> None:
        """`service` for each host on its own (_each): one refused (deleted since the list was
        shown, a reason it cannot store) is named with why; those it changed are named after."""
        call = partial(service, staff=_staff(request), **extra)
        _each(
            self,
            request,
            [(str(host), partial(call, host_id=host.pk)) for host in queryset],
            done=lambda names: done % {"hosts": names},
        )


class ActionFilter(KnownValuesFilter):
    """The actions the code writes: Django's filter of the column asked for them with SELECT
    DISTINCT over every entry on each view."""

    title = _("action")
    parameter_name = "action__exact"  # the parameter Django's own filter took: links still work
    known = staticmethod(lambda: AUDIT_ACTIONS)


@admin.register(AuditEntry)
class AuditEntryAdmin(BigTableAdmin[AuditEntry]):
    list_display = ("created_at", "action", "listing", "host", "actor", "from_status", "to_status")
    # Fixed date ranges: a date_hierarchy asked for its years, months or days with SELECT
    # DISTINCT date_trunc(...) over every entry.
    list_filter = (ActionFilter, ("created_at", admin.DateFieldListFilter))
    list_select_related = ("listing", "host", "actor")
    # Numbers, each an index's (audit_listing, audit_host, the actor's): titles, names and notes
    # were looked for in every entry (icontains).
    search_fields = ("listing", "host", "actor")
    search_help_text = _("A listing's, a host's or a staff member's (user's) number.")
    raw_id_fields = ("listing", "host", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
