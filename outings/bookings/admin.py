"""Bookings in the admin: read-only rows (seats move only through the services) and one staff
action, cancelling with a full refund (for staff who may change bookings), which is logged with
the staff member's name."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from outings.accounts.models import User
from outings.bookings import services
from outings.bookings.models import CANCELLED_IN_THE_ADMIN, Booking, BookingEvent, WaitlistEntry
from outings.common.bigtables import BigTableAdmin
from outings.common.errors import DomainError


class BookingEventInline(admin.TabularInline[BookingEvent, Booking]):
    model = BookingEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[BookingEvent]:
        # Each event shows its actor: joined, not one query per event.
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False


@admin.register(Booking)
class BookingAdmin(BigTableAdmin[Booking]):
    list_display = ("reference", "listing", "slot", "guest", "seats", "status", "created_at")
    list_filter = ("status", "cancelled_by")
    list_select_related = ("listing", "slot", "guest")
    # Each served by an index: "=reference" compared upper(reference), which none serves, and
    # the guest's address and the listing's title were looked for in every row (icontains).
    search_fields = ("^reference", "^guest__email", "listing")
    search_help_text = _(
        "A reference or the start of one, a guest's email address, a listing's number."
    )
    inlines = [BookingEventInline]
    actions = ["cancel_with_full_refund"]

    def get_readonly_fields(self, request: HttpRequest, obj: Booking | None = None) -> list[str]:
        return [field.name for field in Booking._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Booking | None = None) -> bool:
        return False

    # Cancelling refunds in full: it takes the permission to change bookings, not only to
    # view them (a support desk that may read bookings must not be able to cancel them).
    @admin.action(description=_("Cancel, refunding in full"), permissions=["change"])
    def cancel_with_full_refund(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        """Each booking in its own transaction (cancel_booking_as_staff), in id order (the
        app's lock order for bookings): one refused (over, begun) is a message, and the others
        go ahead. Each one cancelled is in its history (a LogEntry with staff's name), as
        Django's own actions record theirs and the dates' action does (SlotAdmin)."""
        staff = request.user
        assert isinstance(staff, User)
        done = 0
        for booking in queryset.order_by("pk"):
            try:
                services.cancel_booking_as_staff(
                    staff=staff,
                    reference=booking.reference,
                    reason=CANCELLED_IN_THE_ADMIN,  # in each reader's language, not staff's
                    now=timezone.now(),
                )
            except DomainError as error:
                # Looked up in the page's language, as the API's error body does: a class's
                # default message is the code's English (gettext_noop).
                self.message_user(
                    request, f"{booking.reference}: {gettext(error.message)}", messages.WARNING
                )
                continue
            self.log_change(request, booking, gettext("Cancelled, refunded in full."))
            done += 1
        self.message_user(
            request, ngettext("%d booking cancelled.", "%d bookings cancelled.", done) % done
        )


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(BigTableAdmin[WaitlistEntry]):
    list_display = ("slot", "guest", "seats", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("slot__listing", "guest")
    raw_id_fields = ("slot", "guest")
    search_fields = ("^guest__email", "slot")
    search_help_text = _("A guest's email address, a date's (slot's) number.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    # Entries change only through the services, as bookings do: a deleted entry cut its open
    # offer loose, which a listing by request then confirmed without the host's yes.
    def has_delete_permission(self, request: HttpRequest, obj: WaitlistEntry | None = None) -> bool:
        return False

    def get_readonly_fields(
        self, request: HttpRequest, obj: WaitlistEntry | None = None
    ) -> list[str]:
        return [field.name for field in WaitlistEntry._meta.fields]
