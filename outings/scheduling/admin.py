from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from outings.common import outbox
from outings.scheduling import events
from outings.scheduling.models import Schedule, Slot


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin[Schedule]):
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
    search_fields = ("listing__title",)
    raw_id_fields = ("listing",)
    readonly_fields = ("version",)  # moved by the services (update_schedule) only


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin[Slot]):
    """Staff may correct a slot's times or cancel it. seats_taken is read-only here: only the
    bookings services move it, so that it always equals the sum of active bookings."""

    list_display = ("listing", "starts_at", "capacity", "seats_taken", "status")
    list_filter = ("status", "starts_at")
    list_select_related = ("listing",)
    date_hierarchy = "starts_at"
    show_full_result_count = False  # one COUNT(*) per page view on a big table is enough
    search_fields = ("listing__title",)
    raw_id_fields = ("listing", "schedule")
    readonly_fields = ("seats_taken",)
    ordering = ("-starts_at",)

    def save_model(self, request: HttpRequest, obj: Slot, form: Any, change: bool) -> None:
        """A booked date whose times staff correct is RETIMED, as one whose end a new duration
        moves: its guests are told, with the calendar event at the new time, and a confirmed
        guest's reminder follows the new start (bookings.handlers.retimed)."""
        super().save_model(request, obj, form, change)
        moved = {"starts_at", "ends_at"} & set(form.changed_data)
        if change and moved and obj.seats_taken > 0:
            outbox.enqueue(kind=events.RETIMED, payload={"slots": [obj.pk]})
