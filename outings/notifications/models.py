from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One entry of a user's inbox. Its text is rendered when shown (texts.py), in the reader's
    language and time zone, from `kind` and `data`."""

    class Kind(models.TextChoices):
        BOOKING_CONFIRMED = "booking.confirmed", _("Booking confirmed")
        BOOKING_CANCELLED = "booking.cancelled", _("Booking cancelled")
        BOOKING_RECEIVED = "booking.received", _("New booking")
        LISTING_APPROVED = "listing.approved", _("Listing approved")
        LISTING_REJECTED = "listing.rejected", _("Listing needs changes")
        WAITLIST_OFFER = "waitlist.offer", _("A seat is free")
        BOOKING_REQUESTED = "booking.requested", _("Booking request")
        BOOKING_DECLINED = "booking.declined", _("Booking declined")
        BOOKING_CANCELLED_FOR_HOST = "booking.guest_cancelled", _("A guest cancelled")
        BOOKING_TRANSFERRED = "booking.transferred", _("Booking transferred")
        SLOT_MINIMUM_MET = "slot.minimum_met", _("It is on")
        BOOKING_RETIMED = "booking.retimed", _("New time")
        WAITLIST_CLOSED = "waitlist.closed", _("Date cancelled")
        HOST_SUSPENDED = "host.suspended", _("Host account suspended")
        HOST_REINSTATED = "host.reinstated", _("Host account reinstated")
        # To the host, when staff (not the guest) cancelled a booking of theirs, and when staff
        # or the minimum's cut-off cancelled one of their dates: one notice for the date.
        BOOKING_CANCELLED_BY_STAFF = "booking.staff_cancelled", _("Booking cancelled by our team")
        SLOT_CANCELLED = "slot.cancelled", _("Your date was cancelled")
        # To whoever waits for a seat on a date whose times moved: they keep their place.
        WAITLIST_MOVED = "waitlist.moved", _("New time for a date you wait for")

    user = models.ForeignKey(  # notification_user_id in Meta leads with it
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    data = models.JSONField(_("data"), default=dict, encoder=DjangoJSONEncoder)
    url = models.CharField(_("link"), max_length=500, blank=True)

    class EmailState(models.TextChoices):
        SENT = "sent", _("Sent")
        WITHDRAWN = "withdrawn", _("Withdrawn: a later notice said what holds")

    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # What became of its mail, for the kinds a later notice can overtake (emails.holds): sent,
    # or withdrawn before it went (services.withdraw_email); empty until then, and for the
    # other kinds. A default in the database too, for rows written by a release before it.
    email_state = models.CharField(
        _("email"), max_length=10, choices=EmailState.choices, blank=True, default="", db_default=""
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The inbox, newest first, keyset-paginated on id.
            models.Index(fields=["user", "-id"], name="notification_user_id"),
            # The bell: unread count per user.
            models.Index(fields=["user"], name="notification_unread", condition=Q(read_at=None)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id}"


class EmailPreferences(models.Model):
    """Which notifications a user also wants by email. No row means the defaults (all on).

    No notification is mailed under MESSAGES: Outings has no messages between guests and hosts
    yet. The API's v1 still reads and writes it (a field it offered is not taken away), and
    what a user set is kept for when messages come; the page does not offer it."""

    class Topic(models.TextChoices):
        BOOKINGS = "bookings", _("Bookings")
        MESSAGES = "messages", _("Messages")
        LISTINGS = "listings", _("My listings")
        WAITLIST = "waitlist", _("Waiting lists")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="email_preferences",
    )
    bookings = models.BooleanField(_("bookings"), default=True)
    messages = models.BooleanField(_("messages"), default=True)
    listings = models.BooleanField(_("my listings"), default=True)
    waitlist = models.BooleanField(_("waiting lists"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("email preferences")
        verbose_name_plural = _("email preferences")

    def __str__(self) -> str:
        return f"email preferences of user {self.user_id}"
