"""The waiting list of a full date: joining it and leaving it."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from outings.accounts.requests import login_required_back_to, signed_in_user
from outings.bookings import selectors, services
from outings.bookings.errors import AlreadyWaiting, SeatsAvailable
from outings.bookings.forms import (
    BookForm,
    WaitlistForm,
    bound_seats,
    focus_on_error,
    message_of,
    new_form_token,
    show_error,
)
from outings.bookings.views.common import dates_booking_page, my_bookings_page, seats_left_of
from outings.common.errors import DomainError, NotFound


@login_required_back_to(dates_booking_page)
@require_POST
def join_waitlist(request: HttpRequest) -> HttpResponse:
    """Wait for N seats on a full date; offered all of them at once when they free up."""
    form = WaitlistForm(request.POST)
    status = 400
    seats_free = False
    valid = form.is_valid()
    slot_id, seats = form.cleaned_data.get("slot"), form.cleaned_data.get("seats")
    if valid:
        try:
            services.join_waitlist(
                guest=signed_in_user(request),
                slot_id=form.cleaned_data["slot"],
                seats=form.cleaned_data["seats"],
                now=timezone.now(),
            )
        except NotFound as error:
            raise Http404 from error
        except AlreadyWaiting as error:
            # A second press (a double click, Back and again, another tab): "My bookings" lists
            # the entry, its guests and "Leave"; the form here could only be refused again.
            messages.info(request, message_of(error))
            return redirect("bookings:mine")
        except DomainError as error:
            show_error(form, error)
            status, seats_free = error.status_code, isinstance(error, SeatsAvailable)
        else:
            messages.success(
                request,
                _("You are on the waiting list. When seats free up, we hold them for you."),
            )
            return redirect("bookings:mine")
    now = timezone.now()
    slot = selectors.public_slot(slot_id=slot_id, now=now) if isinstance(slot_id, int) else None
    book_form = None
    if seats_free and slot is not None:
        # Enough seats are free after all: offer to book them instead.
        book_form = BookForm(
            initial={"slot": slot.pk, "seats": seats, "form_token": new_form_token()}
        )
    if slot is not None:
        bound_seats(slot, form, book_form)
    focus_on_error(form)
    context = {
        "form": form,
        "slot": slot,
        "book_form": book_form,
        "seats_left": seats_left_of(slot, now=now),
    }
    return render(request, "bookings/waitlist.html", context, status=status)


@login_required_back_to(my_bookings_page)
@require_POST
def leave_waitlist(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        services.leave_waitlist(
            guest=signed_in_user(request), entry_id=entry_id, now=timezone.now()
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("You left the waiting list."))
    return redirect("bookings:mine")
