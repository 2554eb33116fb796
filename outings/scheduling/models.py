from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from outings.catalog.models import Listing


class Schedule(models.Model):
    """A weekly wall-clock rule in the listing's time zone; slots are expanded from it."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        # A one-off date is a rule of one day: valid_from == valid_until, weekdays == [its day].
        ONCE = "once", _("One date")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="schedules")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.WEEKLY)
    weekdays = ArrayField(models.PositiveSmallIntegerField(), help_text=_("0 is Monday."))
    start_times = ArrayField(models.TimeField())
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    capacity = models.PositiveIntegerField()
    is_demo = models.BooleanField(default=False)
    # Moves forward on every change of the rule (not of its exceptions): an edit says which
    # version it is based on, so that two editors never overwrite each other (DESIGN.md, 3.5).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="schedule_capacity_positive"),
            models.CheckConstraint(condition=Q(version__gte=1), name="schedule_version_positive"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="schedule_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id}: {self.weekdays} {self.start_times}"


class ScheduleException(models.Model):
    """A change to one day of a rule, in the listing's local time: the occurrences of `day` (all
    of them, or the one at `start_time`) are cancelled, or moved to `new_time`."""

    class Action(models.TextChoices):
        CANCEL = "cancel", _("Cancelled")
        MOVE = "move", _("Moved")

    schedule = models.ForeignKey(  # schedule_exception_unique in Meta leads with it
        Schedule, on_delete=models.CASCADE, related_name="exceptions", db_index=False
    )
    day = models.DateField(_("day"))
    start_time = models.TimeField(
        _("start time"), null=True, blank=True, help_text=_("Empty: every start of that day.")
    )
    action = models.CharField(max_length=6, choices=Action.choices)
    new_time = models.TimeField(_("new start time"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")
        ordering = ["day", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "day", "start_time"],
                nulls_distinct=False,
                name="schedule_exception_unique",
            ),
            models.CheckConstraint(
                condition=(Q(action="cancel") & Q(new_time__isnull=True))
                | (Q(action="move") & Q(new_time__isnull=False) & Q(start_time__isnull=False)),
                name="schedule_exception_move_has_times",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} {self.day} {self.start_time or '*'}: {self.action}"


class Slot(models.Model):
    """One bookable occurrence. seats_taken only ever moves through the bookings services."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CANCELLED = "cancelled", _("Cancelled")

    listing = models.ForeignKey(  # slot_unique_start in Meta leads with it
        Listing, on_delete=models.CASCADE, related_name="slots", db_index=False
    )
    schedule = models.ForeignKey(
        Schedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="slots"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # When the listing's minimum number of guests was reached (guests were told it is on), or
    # the minimum was checked at its cut-off; None while undecided. Written by bookings services.
    minimum_met_at = models.DateTimeField(null=True, blank=True)
    minimum_checked_at = models.DateTimeField(null=True, blank=True)
    # Moves forward with every change of the capacity a host sets (the date's own, or its
    # rule's carried over to it), never with seats taken: a capacity edit says which version it
    # is based on, so two editors never overwrite each other, and a guest's booking meanwhile
    # refuses nobody (DESIGN.md, 3.5; docs/hosting.md, "No silent overwrite").
    version = models.PositiveIntegerField(default=1)
    # The date's places were set on it (by its host, or staff in the admin) to another number
    # than its rule's: a new capacity of the rule leaves them alone. False: they follow the
    # rule (set back to the rule's number, a date follows it again). Meaningless without one.
    own_capacity = models.BooleanField(_("own places"), default=False)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="slot_not_oversold"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="slot_version_positive"),
            # The columns a bookable-slot test reads ride in the index (search.sql.BOOKABLE_SLOT):
            # explore probes it once per matching listing, and with them each probe is an
            # index-only scan instead of a heap visit (docs/benchmarks.md, "Search").
            models.UniqueConstraint(
                fields=["listing", "starts_at"],
                name="slot_unique_start",
                include=["status", "capacity", "seats_taken", "id"],
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="slot_starts_at")]

    def __str__(self) -> str:
        return f"{self.listing_id} @ {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def seats_left(self) -> int:
        """Seats a guest can book. Read from a queryset annotated by
        bookings.selectors.with_seats_left, lapsed holds count as free (exact); otherwise from
        the counter, which counts them until the sweep ends them."""
        annotated = self.__dict__.get("seats_free")
        return int(annotated) if annotated is not None else self.capacity - self.seats_taken

    @property
    def seats_held(self) -> int:
        """Seats taken by bookings still running: what a host's pages show as a date's seats
        taken, as its roster lists them. Exact when read from a queryset annotated by
        bookings.selectors.with_seats_left (lapsed holds and requests count as free);
        otherwise the counter, which counts them until the sweep ends them."""
        return self.capacity - self.seats_left
