"""Staff view of the outbox: what is waiting, what was delivered, what was parked and why; the
"retry" action gives parked messages a fresh set of attempts."""

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outings.common import outbox
from outings.common.models import OutboxMessage
from outings.common.outbox import registry

if TYPE_CHECKING:  # a type of django-stubs only
    from django.contrib.admin.options import _FieldGroups


class _KnownValuesFilter(admin.SimpleListFilter):
    """A filter on a text column whose choices are the values the code knows: Django's filter of
    a field without choices (AllValuesFieldListFilter) asks for them with SELECT DISTINCT over
    the whole table, millions of delivered messages, on every view of the changelist. A value
    the code no longer knows (a retired kind) is found with the search box."""

    known: Callable[[], Iterable[str]]

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(value, value) for value in type(self).known()]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> QuerySet[OutboxMessage]:
        value = self.value()
        return queryset if value is None else queryset.filter(**{str(self.parameter_name): value})


class KindFilter(_KnownValuesFilter):
    title = _("kind")
    parameter_name = "kind__exact"  # the parameter Django's own filter took: links still work
    known = staticmethod(registry.kinds)


class QueueFilter(_KnownValuesFilter):
    title = _("queue")
    parameter_name = "queue__exact"
    known = staticmethod(lambda: registry.QUEUES)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = ["id", "kind", "queue", "status", "attempts", "due_at", "finished_at"]
    # The time filter has fixed choices (today, the past 7 days, ...): a date_hierarchy asked
    # for its years, months or days with SELECT DISTINCT date_trunc(...) over every row.
    list_filter = ["status", QueueFilter, KindFilter, ("created_at", admin.DateFieldListFilter)]
    show_facets = admin.ShowFacets.NEVER  # a count per choice, each over the whole table
    search_fields = ["kind", "last_error"]
    ordering = ["-id"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    actions = ["retry"]
    show_full_result_count = False  # a count over millions of delivered rows is slow

    def get_fields(self, request: HttpRequest, obj: OutboxMessage | None = None) -> "_FieldGroups":
        """Without the payload for a message whose payload is a secret (account mail's reset
        and verification links), unless a superuser asks: viewing the outbox must not let a
        staff member sign in as someone else."""
        fields = super().get_fields(request, obj)
        if obj is not None and registry.is_secret(obj.kind) and not request.user.is_superuser:
            return [field for field in fields if field != "payload"]
        return fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages come from enqueue, in the transaction of their cause

    def has_change_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    @admin.action(description=_("Retry the selected parked messages"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        chosen = list(queryset.filter(status__in=["parked", "pending"]))
        count = outbox.retry_messages(message_ids=[message.pk for message in chosen])
        for message in chosen:
            self.log_change(request, message, "Retried from the admin")
        self.message_user(
            request,
            ngettext("%d message will be retried.", "%d messages will be retried.", count) % count,
            messages.SUCCESS,
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and request.user.has_perm("common.view_outboxmessage")
