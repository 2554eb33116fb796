"""A listing's schedules, for its host: weekly rules and one-off dates, exceptions, and the
capacity or cancellation of single slots."""

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outings.accounts.models import HostProfile
from outings.bookings import services as bookings
from outings.bookings.forms import OptionalReasonForm, message_of
from outings.catalog.models import Listing
from outings.catalog.services import own_listing
from outings.common import pagetokens
from outings.common.errors import DomainError, NotFound
from outings.common.formtokens import AlreadySent, InvalidFormToken, new_form_token, renew_token
from outings.common.pagetokens import BadCursor
from outings.common.zones import zone_or_utc
from outings.hosting import selectors
from outings.hosting.forms import CapacityForm, ExceptionForm, ScheduleForm, add_domain_errors
from outings.hosting.views.common import (
    ARCHIVED,
    DATE_GONE,
    cancel_refused,
    host_required,
    host_required_back_to,
    posted_version,
    report_gone,
    schedules_url,
)
from outings.scheduling import services
from outings.scheduling.models import Schedule
from outings.scheduling.rules import ScheduleConflict, SlotConflict

UPCOMING = 30


def _new_schedule() -> dict[str, Any]:
    """The "Add a schedule" form's initial values, with a fresh one-time token."""
    return {"kind": Schedule.Kind.WEEKLY, "capacity": 10, "form_token": new_form_token()}


def _back(pk: int) -> HttpResponse:
    return redirect(reverse("hosting:schedules", kwargs={"pk": pk}))


@host_required
@require_http_methods(["GET", "POST"])
def schedules(request: HttpRequest, host: HostProfile, pk: int) -> HttpResponse:
    """The listing's rules with their exceptions and next slots; POST adds a rule. The form's
    one-time token makes a second submission of the same form (a double click, a resend) come
    back to the page, where the rule the first one added is."""
    listing = own_listing(host=host, listing_id=pk)
    form = ScheduleForm(request.POST if request.method == "POST" else None, initial=_new_schedule())
    refused = 0  # the status of a service's refusal, if any
    if request.method == "POST" and form.is_valid():
        try:
            services.create_schedule(
                host=host,
                listing_id=pk,
                data=form.to_data(),
                now=timezone.now(),
                form_token=form.cleaned_data["form_token"],
            )
        except AlreadySent:
            messages.info(request, _("This form was already sent: its schedule is below."))
            return _back(pk)
        except NotFound:
            if listing.status != Listing.Status.ARCHIVED:
                raise
            messages.error(request, ARCHIVED)  # refused, as a rule of it is: say why
            return _back(pk)
        except DomainError as error:
            if isinstance(error, InvalidFormToken):
                renew_token(form)
            refused = add_domain_errors(form, error)
        else:
            messages.success(request, _("Schedule added; its dates are on the listing."))
            return _back(pk)
    return _page(request, listing, form=form, status=refused or (400 if form.errors else 200))


def _today(listing: Listing) -> date:
    return timezone.now().astimezone(zone_or_utc(listing.time_zone)).date()


def _after(request: HttpRequest) -> tuple[str, selectors.DayKey | None]:
    """The page token of a GET (`?after=`) and the key it names; BadCursor for a bad one."""
    token = request.GET.get("after", "") if request.method == "GET" else ""
    return token, pagetokens.decode_day_id(token) if token else None


def _bad_link(request: HttpRequest, listing: Listing) -> HttpResponse:
    first_page = reverse("hosting:schedules", kwargs={"pk": listing.pk})
    return render(request, "hosting/bad_cursor.html", {"first_page": first_page}, status=400)


def _page(
    request: HttpRequest,
    listing: Listing,
    *,
    form: ScheduleForm | None = None,
    status: int = 200,
    entered: tuple[int, int] | None = None,
) -> HttpResponse:
    """The schedules page, answering `status`: a page of the rules still making dates (or, with
    ?show=past, of those that ended), keyset-paginated (?after=<token>). `entered` = (slot id,
    capacity) puts the host's own unsaved number in that date's field (a capacity conflict)."""
    if form is None:
        form = ScheduleForm(initial=_new_schedule())
    past = request.method == "GET" and request.GET.get("show") == "past"
    try:
        token, after = _after(request)
    except BadCursor:
        return _bad_link(request, listing)
    now = timezone.now()
    today = now.astimezone(zone_or_utc(listing.time_zone)).date()
    rules = selectors.schedules_of(
        listing=listing, today=today, past=past, size=int(settings.PAGE_SIZE), after=after
    )
    next_after = rules.next_after
    context: dict[str, Any] = {
        "listing": listing,
        "archived": listing.status == Listing.Status.ARCHIVED,  # no form: its rules stay
        "form": form,
        "past": past,
        "after": token if after is not None else "",
        "next_cursor": None if next_after is None else pagetokens.encode_day_id(*next_after),
        # Each rule's exception form has ids of its own: one set for all made every label
        # after the first rule's point at the first rule's fields.
        "schedules": [
            (
                schedule,
                ExceptionForm(
                    auto_id=f"id_schedule{schedule.pk}_%s",
                    initial={"form_token": new_form_token()},
                ),
            )
            for schedule in rules.schedules
        ],
        "exceptions_shown": selectors.EXCEPTIONS_SHOWN,
        "has_past": not past and selectors.has_past_schedules(listing=listing, today=today),
        "slots": [] if past else selectors.upcoming_slots(listing=listing, now=now, limit=UPCOMING),
        "now": now,  # a date begun by then is under way: no places field, no Cancel
        "entered_slot": entered[0] if entered else None,
        "entered_capacity": entered[1] if entered else None,
    }
    return render(request, "hosting/schedules.html", context, status=status)


@host_required
@require_GET
def schedule_exceptions(
    request: HttpRequest, host: HostProfile, pk: int, schedule_id: int
) -> HttpResponse:
    """A rule's exceptions to come, all of them, page by page (the schedules page shows the
    first EXCEPTIONS_SHOWN under each rule)."""
    listing = own_listing(host=host, listing_id=pk)
    schedule = get_object_or_404(Schedule, pk=schedule_id, listing=listing)
    try:
        token, after = _after(request)
    except BadCursor:
        return _bad_link(request, listing)
    exceptions, next_after = selectors.upcoming_exceptions_of(
        schedule=schedule, today=_today(listing), size=int(settings.PAGE_SIZE), after=after
    )
    context = {
        "listing": listing,
        "schedule": schedule,
        "archived": listing.status == Listing.Status.ARCHIVED,  # no Undo: its rules stay
        "exceptions": exceptions,
        "after": token if after is not None else "",
        "next_cursor": None if next_after is None else pagetokens.encode_day_id(*next_after),
    }
    return render(request, "hosting/schedule_exceptions.html", context)


@host_required_back_to(schedules_url)
@require_POST
def change_schedule(
    request: HttpRequest, host: HostProfile, pk: int, schedule_id: int
) -> HttpResponse:
    """Delete a rule, or add an exception to it. The exception form's one-time token makes a
    second submission of the same form answer that it is saved, as the first did, and save
    nothing more (it was refused: "This day already has an exception."); another form for that
    day is still refused so. The delete form carries the rule's version: a
    rule changed since the page was shown (through the API, which edits rules) is not removed,
    and the page answers 409 showing it as it is, as the API's DELETE with If-Match refuses it
    (412). A rule of another of the host's listings than the one in the path reads as no
    longer there, as a missing one does (the services look the rule up on that listing only)."""
    own_listing(host=host, listing_id=pk)  # another host's listing in the path: 404
    now = timezone.now()
    try:
        if request.POST.get("action") == "delete":
            services.delete_schedule(
                host=host,
                listing_id=pk,
                schedule_id=schedule_id,
                now=now,
                expected_version=posted_version(request, "version"),
            )
            messages.success(request, _("Schedule removed."))
        else:
            form = ExceptionForm(request.POST)
            if not form.is_valid():
                _report_form(request, form)
                return _back(pk)
            data = form.cleaned_data
            services.add_schedule_exception(
                host=host,
                listing_id=pk,
                schedule_id=schedule_id,
                day=data["day"],
                start_time=data["start_time"],
                action=data["action"],
                new_time=data["new_time"],
                now=now,
                form_token=data["form_token"],
            )
            messages.success(request, _("Exception saved."))
    except AlreadySent:
        # The same form sent again (a double click, a resend, the page Back restored): what it
        # asked for is done, and nothing is done twice.
        messages.success(request, _("This form was already sent: its exception is saved."))
    except NotFound:
        message = _("This schedule is no longer there: it was removed, perhaps in another window.")
        report_gone(request, host=host, listing_id=pk, message=message)
    except ScheduleConflict:
        messages.error(
            request,
            _(
                "This schedule was changed since this page was opened (in another window, or "
                "through the API); it is shown here as it is now. It was not removed: remove it "
                "again if you still want to."
            ),
        )
        return _page(request, own_listing(host=host, listing_id=pk), status=409)
    except DomainError as error:
        _report(request, error)
    return _back(pk)


@host_required_back_to(schedules_url)
@require_POST
def remove_exception(
    request: HttpRequest, host: HostProfile, pk: int, exception_id: int
) -> HttpResponse:
    own_listing(host=host, listing_id=pk)  # another host's listing in the path: 404
    try:
        services.remove_schedule_exception(
            host=host, listing_id=pk, exception_id=exception_id, now=timezone.now()
        )
    except NotFound:
        message = _("This exception is no longer there: it was undone, perhaps in another window.")
        report_gone(request, host=host, listing_id=pk, message=message)
    except DomainError as error:
        _report(request, error)
    return _back(pk)


@host_required_back_to(schedules_url)
@require_POST
def change_slot(request: HttpRequest, host: HostProfile, pk: int, slot_id: int) -> HttpResponse:
    """Change one slot's capacity, or cancel it (its guests are told and refunded in full). Both
    forms carry the date's version: a save from a page shown before another tab (or a script)
    changed the capacity answers 409 with the page as it is, the host's own number in the
    field, never overwriting the other change; a cancel from such a page answers 409 and
    cancels nothing (the API's If-Match refuses it, 412). A date of another of the host's listings
    than the one in the path reads as no longer there, as a missing one does."""
    listing = own_listing(host=host, listing_id=pk)  # another host's listing in the path: 404
    try:
        if request.POST.get("action") == "cancel":
            reason = OptionalReasonForm(request.POST)
            if not reason.is_valid():
                messages.error(request, " ".join(str(e) for e in reason.errors.get("reason", [])))
                return _back(pk)
            bookings.cancel_slot(
                host=host,
                listing_id=pk,
                slot_id=slot_id,
                reason=reason.cleaned_data["reason"],
                now=timezone.now(),
                expected_version=posted_version(request, "version"),
            )
            messages.success(request, _("Slot cancelled."))
        else:
            form = CapacityForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Capacity must be a whole number of at least 1."))
                return _back(pk)
            capacity = form.cleaned_data["capacity"]
            bookings.change_slot_capacity(
                host=host,
                listing_id=pk,
                slot_id=slot_id,
                capacity=capacity,
                now=timezone.now(),
                expected_version=posted_version(request, "version"),
            )
            messages.success(request, _("Capacity changed."))
    except NotFound:
        report_gone(request, host=host, listing_id=pk, message=str(DATE_GONE))
    except SlotConflict as conflict:
        if request.POST.get("action") == "cancel":
            messages.error(request, cancel_refused(conflict))
            return _page(request, listing, status=409)
        messages.error(
            request,
            _(
                "This date's places were changed in another window since this page was opened; "
                "it now has %(current)s. Yours is in the field: change it again to replace it."
            )
            % {"current": conflict.current.capacity},
        )
        return _page(request, listing, status=409, entered=(slot_id, capacity))
    except DomainError as error:
        _report(request, error)
    return _back(pk)


def _report_form(request: HttpRequest, form: ExceptionForm) -> None:
    """A message for each field of the form that could not be read, naming the field: the
    form is not shown again (the page lists every rule, each with its own), and "Enter a valid
    time." alone did not say which of its two times."""
    for name, errors in form.errors.items():
        text = " ".join(str(error) for error in errors)
        field = form.fields.get(name)
        if field is not None and field.label:
            text = _("%(field)s: %(problem)s") % {"field": field.label, "problem": text}
        messages.error(request, text)


def _report(request: HttpRequest, error: DomainError) -> None:
    details = " ".join(
        str(message)
        for messages_ in error.fields.values()
        for message in (messages_ if isinstance(messages_, list) else [messages_])
    )
    messages.error(request, f"{message_of(error)} {details}".strip())
