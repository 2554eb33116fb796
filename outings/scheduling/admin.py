from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from outings.accounts.models import User
from outings.bookings.models import CANCELLED_IN_THE_ADMIN
from outings.bookings.services import (
    bring_deadlines_to_start,
    cancel_slot_as_staff,
    capacity_changed,
    release_lapsed,
)
from outings.catalog.models import Listing
from outings.common.bigtables import BigTableAdmin
from outings.common.errors import DomainError
from outings.scheduling import rules
from outings.scheduling.models import Schedule, Slot
from outings.scheduling.rules import ScheduleOverlap, SlotCancelled, SlotConflict, SlotStarted
from outings.scheduling.services import (
    delete_schedule_as_staff,
    delete_slot_as_staff,
    follows_no_rule,
    gone_by,
    lock_listing,
    times_corrected,
)


class RuleRefused(Exception):
    """Staff's delete of a rule refused by the service: the rule, why, and what to do."""


def _delete(schedule_id: int, *, listing_id: int) -> None:
    try:
        delete_schedule_as_staff(schedule_id=schedule_id, now=timezone.now())
    except DomainError as error:
        why = gettext("Rule %(rule)s of listing %(listing)s: %(reason)s") % {
            "rule": schedule_id,
            "listing": listing_id,
            "reason": gettext(error.message),
        }
        if isinstance(error, rules.SlotHasBookings):
            why += " " + gettext(
                "Cancel its booked dates first (Scheduling → Slots, “Cancel, refunding every "
                "guest in full”): its guests are told and refunded."
            )
        raise RuleRefused(why) from error


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

    # Shown, not written: a rule changes through its host's services (create_schedule,
    # update_schedule), which check it, bring its dates in line in the same transaction and
    # move its version. Saved here as posted, its dates did not follow until the hourly run,
    # nothing was checked (an overlap, places below a booking), and a host's edit based on the
    # version before silently overwrote it. Staff correct a date on the date (SlotAdmin), which
    # then leaves its rule. Deleting stays (a listing's deletion here deletes its rules, and
    # Django checks the delete permission of what cascades), through the host's service too.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Schedule | None = None) -> bool:
        return False

    # A rule deleted as a row left its dates to come open, no longer any rule's (Slot.schedule
    # is SET NULL), as if made by hand. Deleted through delete_schedule_as_staff, its unbooked
    # dates to come go with it, as when its host removes it, and a rule with bookings to come
    # is refused. The refusal, raised inside the transaction of the delete (Django's for one
    # rule, response_action's for several: all of them or none, the log entries included), is
    # answered with the rule and why, nothing deleted.
    def delete_model(self, request: HttpRequest, obj: Schedule) -> None:
        _delete(obj.pk, listing_id=obj.listing_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Schedule]) -> None:
        for schedule_id, listing_id in queryset.order_by("pk").values_list("pk", "listing_id"):
            _delete(schedule_id, listing_id=listing_id)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except RuleRefused as refused:
            return self._refused(request, refused)

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Schedule], *args: Any, **kwargs: Any
    ) -> HttpResponse | None:
        try:
            with transaction.atomic():
                return super().response_action(request, queryset, *args, **kwargs)
        except RuleRefused as refused:
            return self._refused(request, refused)

    def _refused(self, request: HttpRequest, refused: RuleRefused) -> HttpResponseRedirect:
        self.message_user(request, str(refused), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:scheduling_schedule_changelist"))


TIMES = ("starts_at", "ends_at")


def times_of(slot: Slot) -> str:
    """A date's times as its change form carries them from when it was opened: the instants,
    exact (the form's own fields show seconds, in the admin's zone)."""
    return "/".join(getattr(slot, name).isoformat() for name in TIMES)


def _read_times(value: str | None) -> tuple[datetime, ...] | None:
    try:
        read = tuple(datetime.fromisoformat(part) for part in (value or "").split("/"))
    except ValueError:
        return None
    return read if len(read) == len(TIMES) else None


class SlotAdminForm(forms.ModelForm[Slot]):
    """Refuses a save over a change made since staff opened the form (invariant 5: no silent
    overwrite), as the host's pages and the API refuse one (SlotConflict). The form posts every
    field, so without the checks what was shown when it was opened was written back over what
    changed meanwhile, even by staff correcting something else:
    - the places by their version (Slot.version, which moves with places a host or staff set);
    - the times by the times the form was opened at (`expected_times`): another staff member's
      move, or a new duration of the listing (its dates' ends follow), moves no version, which
      is about places (docs/adr/0008); a form that writes times (posts others than the date's)
      while they are no longer those it showed is refused.
    New times that overlap another open date of the listing are refused (a form error), as a
    host's are, and so are new times of a cancelled date and new places a host would be
    refused (`_check_places`).
    Checked inside the admin's transaction under the date's row lock, held until the save: an
    edit committed meanwhile is either seen here or waits for the save."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    expected_times = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Slot
        # Its status moves through the services only (the admin's "Cancel" action), and so do
        # the minimum's dates, the bookings services' record of what guests were told.
        fields = ("listing", "schedule", *TIMES, "capacity")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current: Slot | None = None
        self.now = timezone.now()
        # A date added here is made by hand (as a rule's date whose times staff correct becomes,
        # times_corrected): named a rule, the rule's next sync retired it as a start it does not
        # make, whichever listing the rule was of. Rules make their dates themselves.
        self.fields["schedule"].disabled = True
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            self.fields["expected_times"].initial = times_of(self.instance)
            # An existing date stays on its listing (its bookings name it) and its rule.
            # Disabled rather than read-only: the fields stay in the form, so that a new start
            # is checked against the listing's other dates (slot_unique_start) as a form error.
            self.fields["listing"].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.instance.pk:
            if self._archived(cleaned.get("listing")):
                # Every other change of an archived listing's dates is refused (its rules, a
                # date's places, its host's cancel), and archiving takes its dates to come off
                # sale: one added here was open for sale on a listing nobody can find.
                self.add_error(
                    "listing", gettext("This listing is archived: no date can be added to it.")
                )
                return cleaned
            starts = cleaned.get("starts_at")
            if starts is not None and starts <= self.now:
                # A host's one-off date whose start has gone by is refused with these words
                # (scheduling's schedules._checked), and so is staff's move to such a time:
                # added, it was an open date that had begun, at the time staff typed.
                local = timezone.localtime(starts)
                self.add_error("starts_at", gone_by(local.time(), local.date()))
            self._check_clear_of_other_dates(cleaned, moving=None)
            listing, capacity = cleaned.get("listing"), cleaned.get("capacity")
            if listing is not None and capacity is not None:
                self._check_places(capacity, listing=listing)
            return cleaned
        if "expected_version" in self.errors:
            return cleaned
        current = self._lock(self.instance.pk)
        if current is None:
            return cleaned  # deleted meanwhile: the admin's save then finds nothing
        self.current = current
        changed = []
        if cleaned.get("expected_version") != current.version:
            changed.append(SlotConflict(current=current).message)
        if self._moves_times_changed_meanwhile(cleaned, current):
            starts, ends = (timezone.localtime(getattr(current, name)) for name in TIMES)
            changed.append(
                gettext(
                    "This date's times were changed since you opened it: it is now from "
                    "%(starts)s to %(ends)s."
                )
                % {"starts": f"{starts:%Y-%m-%d %H:%M}", "ends": f"{ends:%Y-%m-%d %H:%M}"}
            )
        if changed:
            self._based_on(current)
            raise forms.ValidationError(
                "%(changed)s %(again)s",
                code=SlotConflict.code,
                params={
                    "changed": " ".join(changed),
                    "again": gettext("Yours are in the form: save again to replace them."),
                },
            )
        if self._writes_times(cleaned, current):
            if current.status == Slot.Status.CANCELLED:
                # Its guests were told and refunded at the times it had, its waiting list
                # closed; a host cannot move it either. Moved, it left its rule (times_corrected)
                # and its record named times it never had.
                self.add_error(None, gettext("This date is cancelled: its times cannot change."))
            elif current.starts_at <= self.now:
                # Moved ahead, a date under way or gone by was open for sale again, with the
                # bookings of a date its guests had attended or missed.
                self.add_error(None, gettext("This date has started: its times cannot change."))
            elif cleaned.get("starts_at") is not None and cleaned["starts_at"] <= self.now:
                # Its guests were told their date had moved to a time already past, which
                # they could never attend; a host's moved start to such a time is refused too.
                self.add_error(
                    "starts_at", gettext("A date cannot be moved to a time that has gone by.")
                )
            else:
                self._check_clear_of_other_dates(cleaned, moving=current)
        # Seats are counted under the same lock: a hold taken now waits for the save.
        capacity = cleaned.get("capacity")
        if capacity not in (None, current.capacity):
            self._check_places(capacity, listing=current.listing, date=current)
        if (
            "capacity" not in self.errors
            and capacity is not None
            and capacity < current.seats_taken
        ):
            # Seats of holds and requests whose time ran out are free, as every reader counts
            # them: lapsed here, as the sweep would, by the service a host's lower capacity
            # lapses them with (bookings' release_lapsed, under the locks taken above), and
            # given back if the form is refused (full_clean). The rest bound the places, which
            # CHECK (seats_taken <= capacity) refused at the save: a 500.
            held = current.seats_taken - release_lapsed(slot_ids=[current.pk], now=self.now)
            if capacity < held:
                self.add_error("capacity", gettext("At least %(n)s.") % {"n": held})
        return cleaned

    def full_clean(self) -> None:
        """A refused form changes nothing: its checks run in a savepoint, rolled back when the
        form has errors (Django's admin commits its transaction to show them). clean may have
        lapsed holds whose time ran out to make room for new places; refused then, on the
        places or on anything else, the form leaves them to the sweep, as a host's refused
        change does. The locks taken go with the savepoint: nothing is saved."""
        with transaction.atomic():
            super().full_clean()
            if self.errors:
                transaction.set_rollback(True)

    @staticmethod
    def _lock(slot_id: int) -> Slot | None:
        """The date, locked, after its listing and its rule: the order of a listing's edit
        (listing, its rules, their dates) and of the hourly run (a rule, its dates), which a
        save that takes the date from its rule (times_corrected) must keep not to deadlock.
        The listing FOR NO KEY UPDATE, as every edit of it (a booking's key share passes); the
        date FOR UPDATE, not NO KEY: a corrected start is a key column (slot_unique_start), and
        a lock upgraded at the save could deadlock with a booking keyed to the date meanwhile."""
        found = Slot.objects.filter(pk=slot_id).values_list("listing_id", "schedule_id").first()
        if found is None:
            return None
        listing_id, schedule_id = found
        lock_listing(listing_id)
        if schedule_id is not None:
            list(Schedule.objects.select_for_update().filter(pk=schedule_id).values_list("pk"))
        return (
            Slot.objects.select_for_update(of=("self",))
            .select_related("listing")
            .filter(pk=slot_id)
            .first()
        )

    @staticmethod
    def _archived(listing: Listing | None) -> bool:
        """Whether the listing is archived, read under its row lock (held until the save, as
        _check_clear_of_other_dates takes it): an archive committing meanwhile is seen, and
        one that starts waits for the save and takes the new date off sale with the others."""
        return listing is not None and lock_listing(listing.pk) == Listing.Status.ARCHIVED

    def _check_places(self, capacity: int, *, listing: Listing, date: Slot | None = None) -> None:
        """A form error on new places a host would be refused for the date
        (scheduling.services.change_slot_capacity): on a cancelled date (its guests were told
        and refunded, its waiting list closed) or one that has begun (nobody can book it any
        more), and out of range or below the listing's smallest group or minimum of guests
        (nobody could book it, or it would always be cancelled at its cut-off)."""
        if date is not None and date.status == Slot.Status.CANCELLED:
            refusal: str | None = gettext(SlotCancelled.message)
        elif date is not None and date.starts_at <= timezone.now():
            refusal = gettext(SlotStarted.message)
        else:
            refusal = rules.capacity_refusal(
                capacity, min_group_size=listing.min_group_size, min_guests=listing.min_guests
            )
        if refusal is not None:
            self.add_error("capacity", refusal)

    @staticmethod
    def _writes_times(cleaned: dict[str, Any], current: Slot) -> bool:
        """Whether the save would write times other than the date's. A post that does not say
        them (not the admin's form) writes none."""
        return any(
            cleaned.get(name) is not None and cleaned[name] != getattr(current, name)
            for name in TIMES
        )

    def _moves_times_changed_meanwhile(self, cleaned: dict[str, Any], current: Slot) -> bool:
        """Whether the save would write times while the date's are no longer those the form was
        opened at."""
        opened = _read_times(cleaned.get("expected_times"))
        return self._writes_times(cleaned, current) and opened != tuple(
            getattr(current, name) for name in TIMES
        )

    def _check_clear_of_other_dates(self, cleaned: dict[str, Any], moving: Slot | None) -> None:
        """A form error on the start if the date, new or `moving` to the times posted, would be
        out at the same time as another open date of its listing: one listing runs one group at
        a time, and a host's rules, moved starts and new durations are refused for it
        (ScheduleOverlap); only an identical start was refused here (slot_unique_start, which
        still reports that one). Measured on the dates' own times, as the hourly run measures
        a rule's start against a date made by hand (sync._clear_of_other_groups). Checked under
        the listing's row lock (taken by _lock for a change), so two saves at once cannot both
        pass it."""
        listing = cleaned.get("listing")
        starts, ends = (cleaned.get(name) for name in TIMES)
        if listing is None or starts is None or ends is None or ends <= starts:
            return  # refused on its fields already, or by slot_ends_after_start
        if moving is None:
            lock_listing(listing.pk)
        others = Slot.objects.filter(
            listing=listing, status=Slot.Status.OPEN, starts_at__lt=ends, ends_at__gt=starts
        ).exclude(starts_at=starts)  # slot_unique_start's own error names that one
        if moving is not None:
            others = others.exclude(pk=moving.pk)
        other = others.order_by("starts_at").first()
        if other is None:
            return
        other_starts, other_ends = (timezone.localtime(getattr(other, name)) for name in TIMES)
        self.add_error(
            "starts_at",
            forms.ValidationError(
                gettext(
                    "This date would overlap the listing's date from %(starts)s to %(ends)s: "
                    "the listing runs one group at a time."
                )
                % {
                    "starts": f"{other_starts:%Y-%m-%d %H:%M}",
                    "ends": f"{other_ends:%Y-%m-%d %H:%M}",
                },
                code=ScheduleOverlap.code,
            ),
        )

    def _based_on(self, current: Slot) -> None:
        """Staff's values stay in the fields; the form is now based on the date as it is, so
        saving it again replaces what changed meanwhile on purpose, having read it."""
        data = QueryDict(mutable=True)
        data.update(self.data)
        data[self.add_prefix("expected_version")] = str(current.version)
        data[self.add_prefix("expected_times")] = times_of(current)
        self.data = data


@admin.register(Slot)
class SlotAdmin(BigTableAdmin[Slot]):
    """Staff may correct a date's times and places, and cancel dates (the "Cancel" action,
    through the bookings service: its bookings end refunded in full, everyone is told).
    seats_taken is read-only here: only the bookings services move it, so that it always equals
    the sum of active bookings; so are its status and the minimum's dates, which only services
    write; once it exists, its listing and rule are fixed (SlotAdminForm). A save
    based on an old version or old times of the date is refused (SlotAdminForm)."""

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
    readonly_fields = (
        "seats_taken",
        "status",
        "minimum_met_at",
        "minimum_checked_at",
        "version",
        "own_capacity",
    )
    ordering = ("-starts_at",)
    actions = ("cancel_dates",)

    @admin.action(description=_("Cancel, refunding every guest in full"), permissions=["change"])
    def cancel_dates(self, request: HttpRequest, queryset: QuerySet[Slot]) -> None:
        """Each date in its own transaction (cancel_slot_as_staff): one refused (begun, already
        cancelled) is a message, and the others go ahead."""
        staff = request.user
        assert isinstance(staff, User)
        done = 0
        for slot in queryset.order_by("pk"):
            try:
                cancel_slot_as_staff(
                    staff=staff,
                    slot_id=slot.pk,
                    reason=CANCELLED_IN_THE_ADMIN,  # in each reader's language, not staff's
                    now=timezone.now(),
                )
            except DomainError as error:
                # In the page's language, as BookingAdmin's action says it (gettext_noop
                # defaults are the code's English).
                self.message_user(request, f"{slot}: {gettext(error.message)}", messages.WARNING)
                continue
            self.log_change(request, slot, gettext("Cancelled, every guest refunded in full."))
            done += 1
        self.message_user(
            request, ngettext("%d date cancelled.", "%d dates cancelled.", done) % done
        )

    # A rule's date deleted as a row only was made again by the rule's next hourly run, open
    # for sale: deleted through delete_slot_as_staff, it leaves its rule first. A booked date
    # is protected (its bookings name it): Django's page says so and deletes nothing.
    def delete_model(self, request: HttpRequest, obj: Slot) -> None:
        delete_slot_as_staff(slot_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Slot]) -> None:
        for slot_id in queryset.order_by("pk").values_list("pk", flat=True):
            delete_slot_as_staff(slot_id=slot_id)

    def save_model(self, request: HttpRequest, obj: Slot, form: Any, change: bool) -> None:
        """New times are carried by scheduling.services.times_corrected: a rule's date leaves
        its rule (which would put them back) and a booked date's guests are told what moved
        (a moved start with the start it had), with the calendar event at the new time, and a
        confirmed guest's reminder follows the new start (bookings.handlers.retimed).

        A change writes only the fields staff changed. seats_taken moves with every booking:
        written back as it was read when the form was posted, a hold taken in between would be
        lost from the counter and the date could be oversold. New places move the version, as
        a host's edit does, so that a host's tab open on the old number is refused, not
        overwritten (docs/adr/0008), and they are the date's own (Slot.own_capacity), which its
        rule's new capacity leaves alone."""
        if not change:
            obj.own_capacity = follows_no_rule(obj)
            super().save_model(request, obj, form, change)
            return
        # The date as the form found it under its lock (the start the guests were told).
        was: Slot | None = form.current
        columns = {field.name for field in Slot._meta.concrete_fields}
        fields = [name for name in form.changed_data if name in columns]
        if "capacity" in fields:
            # The date's own places, as a host's are: its rule's new capacity leaves them.
            obj.own_capacity = follows_no_rule(obj)
            obj.version = F("version") + 1
            fields += ["own_capacity", "version"]
        if fields:
            obj.save(update_fields=fields)
            obj.refresh_from_db(fields=["version", "seats_taken"])
        if "capacity" in fields:
            # Open pages hear the new seats left, and places added go to the waiting list
            # first, as a host's do (the form holds the date's row lock until the save).
            capacity_changed(slot=obj, now=timezone.now())
        if was is not None and any(getattr(was, name) != getattr(obj, name) for name in TIMES):
            # A hold or request lapses at the start at the latest, also one made before the
            # start moved earlier: every reader counts its seats free from the new start.
            bring_deadlines_to_start(slot_id=obj.pk)
            times_corrected(slot_id=obj.pk, was_starts_at=was.starts_at)
