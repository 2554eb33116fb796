from datetime import datetime
from typing import Any

from django.contrib import admin
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from outings.common import outbox
from outings.common.bigtables import BigTableAdmin
from outings.scheduling import events
from outings.scheduling.models import Schedule, Slot


@admin.register(Schedule)
class ScheduleAdmin(BigTableAdmin[Schedule]):
    list_display = (
        "id",
        "listing",
        "weekdays",
        "start_times",
        "valid_from",
        "valid_until",
        "capacity",
        "is_demo",
    )
    list_filter = ("is_demo", "valid_from")
    list_select_related = ("listing",)
    search_fields = ("listing",)  # a listing's number: the listing's own index finds its rules
    search_help_text = _("A listing's number: its rules.")
    raw_id_fields = ("listing",)
    readonly_fields = ("version",)  # moved by the services (update_schedule) only


@admin.register(Slot)
class SlotAdmin(BigTableAdmin[Slot]):
    """Staff may correct a slot's times or cancel it. seats_taken is read-only here: only the
    bookings services move it, so that it always equals the sum of active bookings."""

    list_display = ("listing", "starts_at", "capacity", "seats_taken", "status")
    # starts_at: fixed date ranges. A date_hierarchy asked for its years, months or days with
    # SELECT DISTINCT date_trunc(...) over every slot (3.6 million at the size of a marketplace).
    list_filter = ("status", "starts_at")
    list_select_related = ("listing",)
    # A listing's number, which slot_unique_start (listing, starts_at) answers in the order shown;
    # a title was looked for in every listing joined to every slot (icontains).
    search_fields = ("listing",)
    search_help_text = _("A listing's number: its dates.")
    raw_id_fields = ("listing", "schedule")
    readonly_fields = ("seats_taken", "version")
    ordering = ("-starts_at",)

    def save_model(self, request: HttpRequest, obj: Slot, form: Any, change: bool) -> None:
        """A booked date whose times staff correct is RETIMED, as one whose end a new duration
        moves: its guests are told what moved (a moved start with the start it had), with the
        calendar event at the new time, and a confirmed guest's reminder follows the new start
        (bookings.handlers.retimed).

        A change writes only the fields staff changed. seats_taken moves with every booking:
        written back as it was read when the form was posted, a hold taken in between would be
        lost from the counter and the date could be oversold. New places move the version, as
        a host's edit does, so that a host's tab open on the old number is refused, not
        overwritten (docs/adr/0008)."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        # The start the guests were told, for the mail that says what moved.
        was_starts_at = form.initial.get("starts_at")
        columns = {field.name for field in Slot._meta.concrete_fields}
        fields = [name for name in form.changed_data if name in columns]
        if "capacity" in fields:
            obj.version = F("version") + 1
            fields.append("version")
        if fields:
            obj.save(update_fields=fields)
            obj.refresh_from_db(fields=["version", "seats_taken"])
        moved = {"starts_at", "ends_at"} & set(form.changed_data)
        if moved and obj.seats_taken > 0:
            payload: dict[str, object] = {"slots": [obj.pk]}
            if isinstance(was_starts_at, datetime) and was_starts_at != obj.starts_at:
                payload["was_starts_at"] = {str(obj.pk): was_starts_at.isoformat()}
            outbox.enqueue(kind=events.RETIMED, payload=payload)
