from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import F
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outings.bookings.services import capacity_changed
from outings.common import outbox
from outings.common.bigtables import BigTableAdmin
from outings.scheduling import events
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import SlotConflict


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


class SlotAdminForm(forms.ModelForm[Slot]):
    """Refuses a save based on a version of the date older than the current one (invariant 5:
    no silent overwrite), as the host's pages and the API refuse one (SlotConflict). The form
    posts every field, so without the check the places shown when staff opened it were written
    back over the host's new number, even by staff correcting only the time. Checked inside the
    admin's transaction under the date's row lock, held until the save: an edit committed
    meanwhile is either seen here or waits for the save."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Slot
        fields = (
            *("listing", "schedule", "starts_at", "ends_at", "capacity", "status"),
            *("minimum_met_at", "minimum_checked_at"),
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk or "expected_version" in self.errors:
            return cleaned
        # FOR UPDATE, not NO KEY: a corrected start is a key column (slot_unique_start), and a
        # lock upgraded at the save could deadlock with a booking keyed to the date meanwhile.
        current = Slot.objects.select_for_update(of=("self",)).filter(pk=self.instance.pk).first()
        if current is None:
            return cleaned  # deleted meanwhile: the admin's save then finds nothing
        if cleaned.get("expected_version") == current.version:
            # Seats are counted under the same lock: a hold taken now waits for the save.
            capacity = cleaned.get("capacity")
            if capacity is not None and capacity < current.seats_taken:
                # CHECK (seats_taken <= capacity) refused the save: a 500.
                self.add_error("capacity", gettext("At least %(n)s.") % {"n": current.seats_taken})
            return cleaned
        # Staff's values stay in the fields; the form is now based on the date as it is, so
        # saving it again replaces the host's places on purpose, having read them.
        data = QueryDict(mutable=True)
        data.update(self.data)
        data[self.add_prefix("expected_version")] = str(current.version)
        self.data = data
        conflict = SlotConflict(current=current)
        raise forms.ValidationError(
            "%(conflict)s %(again)s",
            code=conflict.code,
            params={
                "conflict": conflict.message,
                "again": gettext("Yours are in the form: save again to replace them."),
            },
        )


@admin.register(Slot)
class SlotAdmin(BigTableAdmin[Slot]):
    """Staff may correct a slot's times or cancel it. seats_taken is read-only here: only the
    bookings services move it, so that it always equals the sum of active bookings. A save
    based on an old version of the date is refused (SlotAdminForm)."""

    form = SlotAdminForm
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
        if "capacity" in fields:
            # Open pages hear the new seats left, and places added go to the waiting list
            # first, as a host's do (the form holds the date's row lock until the save).
            capacity_changed(slot=obj, now=timezone.now())
        moved = {"starts_at", "ends_at"} & set(form.changed_data)
        if moved and obj.seats_taken > 0:
            payload: dict[str, object] = {"slots": [obj.pk]}
            if isinstance(was_starts_at, datetime) and was_starts_at != obj.starts_at:
                payload["was_starts_at"] = {str(obj.pk): was_starts_at.isoformat()}
            outbox.enqueue(kind=events.RETIMED, payload=payload)
