"""Staff view of the outbox: what is waiting, what was delivered, what was parked and why; the
"retry" action gives parked messages a fresh set of attempts."""

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outings.common import outbox
from outings.common.bigtables import BigTableAdmin, KnownValuesFilter
from outings.common.models import OutboxMessage
from outings.common.outbox import registry

if TYPE_CHECKING:  # a type of django-stubs only
    from django.contrib.admin.options import _FieldGroups


class KindFilter(KnownValuesFilter):
    title = _("kind")
    parameter_name = "kind__exact"  # the parameter Django's own filter took: links still work
    known = staticmethod(registry.kinds)


class QueueFilter(KnownValuesFilter):
    title = _("queue")
    parameter_name = "queue__exact"
    known = staticmethod(lambda: registry.QUEUES)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(BigTableAdmin[OutboxMessage]):
    list_display = ["id", "kind", "queue", "status", "attempts", "due_at", "finished_at"]
    # The time filter has fixed choices (today, the past 7 days, ...): a date_hierarchy asked
    # for its years, months or days with SELECT DISTINCT date_trunc(...) over every row.
    list_filter = ["status", QueueFilter, KindFilter, ("created_at", admin.DateFieldListFilter)]
    # By number: the words of a kind or an error were looked for in every row (icontains).
    search_fields = ["id"]
    search_help_text = _("A message's number.")
    ordering = ["-id"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    actions = ["retry"]

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
        return False  # read-only: a message changes only through its relay or the retry action

    @admin.action(description=_("Retry the selected parked messages"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        waiting = queryset.filter(status__in=["parked", "pending"])
        chosen = {message.pk: message for message in waiting}
        # Those it reset, under their lock: not one a worker took meanwhile.
        retried = outbox.retry_messages(message_ids=list(chosen))
        for pk in retried:
            self.log_change(request, chosen[pk], "Retried from the admin")
        count = len(retried)
        self.message_user(
            request,
            ngettext("%d message will be retried.", "%d messages will be retried.", count) % count,
            messages.SUCCESS,
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        """Retrying sends messages again (mail, refunds): it takes the permission to change
        outbox messages, not only to view them."""
        return request.user.is_staff and request.user.has_perm("common.change_outboxmessage")
