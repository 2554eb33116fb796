"""Bookings, waitlist entries and transfers. Rows change only through outings.bookings.services,
the one place that moves seats: a slot's seats_taken always equals the seats of its bookings in an
active state (held, requested, confirmed), and CHECK (seats_taken <= capacity) backs the count."""

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from outings.catalog.models import CancellationPolicy, Listing
from outings.scheduling.models import Slot

# Booking references: 10 characters from 32 unambiguous ones (no 0/O, 1/I): 50 random bits, short
# enough to read out on the phone, never sequential, never guessable.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 10

# The reasons our own code gives for cancelling (a person's are their own words): stored as their
# English msgid and shown in the reader's language (Booking.shown_reason; a notice's data marks
# one with "reason_is_ours", notifications/texts.py). The worker that decides a minimum has no
# reader, and staff's language is not the guest's.
TOO_FEW_GUESTS = gettext_noop("Not enough guests booked for it to take place.")
CANCELLED_IN_THE_ADMIN = gettext_noop("Cancelled by staff in the admin.")
OUR_REASONS = frozenset({TOO_FEW_GUESTS, CANCELLED_IN_THE_ADMIN})


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class Booking(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Held")  # seats taken until expires_at, waiting for the guest to confirm
        REQUESTED = "requested", _("Awaiting the host")  # seats taken until the host decides
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")  # a hold nobody confirmed in time
        DECLINED = "declined", _("Declined")  # a request the host declined or left unanswered

    class Party(models.TextChoices):
        GUEST = "guest", _("the guest")
        HOST = "host", _("the host")
        STAFF = "staff", _("staff")
        SYSTEM = "system", _("Outings")  # minimum not reached, slot removed

    ACTIVE = (Status.HELD, Status.REQUESTED, Status.CONFIRMED)
    PENDING = (Status.HELD, Status.REQUESTED)

    reference = models.CharField(_("reference"), max_length=16, unique=True, default=new_reference)
    # No index of their own on slot, listing and guest: each leads one in Meta, which serves
    # their lookups too (a hold's INSERT writes three index entries fewer).
    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    # The slot's listing, kept here so that a host's bookings are one indexed filter.
    listing = models.ForeignKey(
        Listing, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings", db_index=False
    )
    seats = models.PositiveSmallIntegerField(_("seats"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Held and requested bookings lapse at this moment; None once decided.
    expires_at = models.DateTimeField(_("hold expires at"), null=True, blank=True)

    # As they were when booked: a later price or policy change never touches this booking.
    unit_price = models.PositiveIntegerField(_("price per seat"))  # minor units
    # Up to MAX_PRICE per seat times MAX_SEATS: more than a 32-bit integer holds.
    total_price = models.PositiveBigIntegerField(_("total price"))
    currency = models.CharField(_("currency"), max_length=3)
    cancellation_policy = models.CharField(
        _("cancellation policy"), max_length=10, choices=CancellationPolicy.choices
    )
    payment_provider = models.CharField(_("payment"), max_length=20)
    payment_reference = models.CharField(max_length=100, blank=True)

    # The one-time token of the web form that created it: a double click books once.
    form_token = models.CharField(max_length=64, blank=True, editable=False)
    waitlist_entry = models.OneToOneField(
        "WaitlistEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offer",
    )

    created_at = models.DateTimeField(_("booked at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    cancelled_by = models.CharField(
        _("cancelled by"), max_length=10, choices=Party.choices, blank=True
    )
    cancel_reason = models.TextField(_("reason"), blank=True)
    refund_due = models.PositiveBigIntegerField(_("refund due"), null=True, blank=True)
    # The day (UTC) a confirmed booking was counted in its listing's daily stats, by the worker
    # that announced it; None until then. Ending the booking takes it off that day, if counted.
    counted_on = models.DateField(null=True, blank=True, editable=False)
    # When its guest was told that the date reached its listing's minimum of guests (it is on);
    # None until then. Each confirmed booking is told once, however late it was made.
    told_on_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The start its reminder is planned for (effects.plan_reminder); None until one is, and
    # again once it was written (services.remind_guest). A date that moves plans one for its new
    # start, once, however many times it is told of the move; moved away and back, the guest
    # is reminded once.
    reminder_for = models.DateTimeField(null=True, blank=True, editable=False)
    # The start whose reminder was written last (services.remind_guest); None until one is. With
    # it, an empty `reminder_for` no longer has to mean "written": a due row for a start whose
    # reminder was not written, planned by code that does not fill `reminder_for` (a worker of
    # a release from before bookings.0007 still running after this release migrated), is sent.
    reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="booking_seats_positive"),
            models.CheckConstraint(
                condition=~Q(status__in=["held", "requested"]) | Q(expires_at__isnull=False),
                name="booking_pending_expires",
            ),
            models.CheckConstraint(
                condition=Q(refund_due__isnull=True) | Q(refund_due__lte=models.F("total_price")),
                name="booking_refund_within_price",
            ),
            models.UniqueConstraint(
                fields=["guest", "form_token"],
                condition=~Q(form_token=""),
                name="booking_form_token_once",
            ),
        ]
        indexes = [
            models.Index(fields=["guest", "-id"], name="booking_guest"),
            models.Index(fields=["listing", "-id"], name="booking_listing"),
            models.Index(fields=["slot", "status"], name="booking_slot_status"),
            # Expired holds, found by the sweep and subtracted by every read of seats left.
            models.Index(
                fields=["slot", "expires_at"],
                name="booking_pending",
                condition=Q(status__in=["held", "requested"]),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def status_at(self, now: datetime) -> str:
        """The status at `now`: a hold or request whose time ran out is expired or declined from
        expires_at on, as every read of seats left counts it, even before the sweep records it
        (services.core.lapse)."""
        if self.status in self.PENDING and self.expires_at is not None and self.expires_at <= now:
            return self.Status.EXPIRED if self.status == self.Status.HELD else self.Status.DECLINED
        return self.status

    @property
    def shown_status(self) -> str:
        """The status as it is now, for whoever reads it (pages, the API)."""
        return self.status_at(timezone.now())

    def get_shown_status_display(self) -> str:
        return str(self.Status(self.shown_status).label)

    @property
    def shown_reason(self) -> str:
        """`cancel_reason` for the page being shown: a person's reason as they wrote it; ours
        (the system's, the admin's: OUR_REASONS, stored as their English msgid) in the reader's
        language."""
        if self.cancel_reason and (
            self.cancelled_by == self.Party.SYSTEM or self.cancel_reason in OUR_REASONS
        ):
            return gettext(self.cancel_reason)
        return self.cancel_reason


class WaitlistEntry(models.Model):
    """A guest waiting for `seats` seats on a full slot, as one group: offered all of them at
    once or nothing. First come, first served among the entries that fit."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered")  # a held booking waits for the guest (`offer`)
        BOOKED = "booked", _("Booked")
        LAPSED = "lapsed", _("Offer lapsed")  # the offer expired or was turned down
        LEFT = "left", _("Left the list")
        CLOSED = "closed", _("Closed")  # the slot started or was cancelled

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="waitlist")
    guest = models.ForeignKey(  # waitlist_guest in Meta leads with it
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="waitlist_entries",
        db_index=False,
    )
    seats = models.PositiveSmallIntegerField(_("seats"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    created_at = models.DateTimeField(_("joined at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="waitlist_seats_positive"),
            models.UniqueConstraint(
                fields=["slot", "guest"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_one_open_entry",
            ),
        ]
        indexes = [
            models.Index(
                fields=["slot", "id"], name="waitlist_waiting", condition=Q(status="waiting")
            ),
            models.Index(fields=["guest", "-id"], name="waitlist_guest"),
        ]

    def __str__(self) -> str:
        return f"{self.guest_id} × {self.seats} on {self.slot_id}"

    def status_at(self, now: datetime) -> str:
        """The status at `now`: nobody waits for a seat on a date that has begun, so a waiting
        entry is closed from its start on (nothing records that; load it with its slot)."""
        if self.status == self.Status.WAITING and self.slot.starts_at <= now:
            return self.Status.CLOSED
        return self.status


class Transfer(models.Model):
    """A guest handing a confirmed booking to someone else, named by email address. The booking
    moves when a user with that address accepts through the emailed link."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")  # by the guest, or the booking ended

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="transfers")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    to_email = models.EmailField(_("to"))
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # sha256 of the secret in the link; the secret itself is only in the mail.
    token_digest = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.UniqueConstraint(
                fields=["booking"], condition=Q(status="pending"), name="transfer_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} → {self.to_email}"


class BookingEvent(models.Model):
    """The history of a booking: one row per state change, written in the same transaction.
    Staff actions are recorded here with the staff member as actor."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.action}"
