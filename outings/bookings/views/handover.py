"""Handing a booking on to someone else by email, and taking one."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from outings.accounts.models import User
from outings.accounts.requests import (
    login_required_back_to,
    login_required_back_to_the_form,
    signed_in_user,
)
from outings.bookings import services
from outings.bookings.errors import InvalidTransferLink, TransferNotForYou
from outings.bookings.forms import (
    TransferForm,
    message_of,
    show_error,
)
from outings.bookings.views.common import booking_or_404, booking_page, detail_page
from outings.common.errors import DomainError, NotFound


@login_required_back_to(booking_page)
@require_POST
def offer_transfer(request: HttpRequest, reference: str) -> HttpResponse:
    form = TransferForm(request.POST)
    if form.is_valid():
        try:
            transfer, _secret = services.offer_transfer(
                guest=signed_in_user(request),
                reference=reference,
                to_email=form.cleaned_data["to_email"],
                now=timezone.now(),
            )
        except NotFound as error:
            raise Http404 from error
        except DomainError as error:
            show_error(form, error)
            booking = booking_or_404(request, reference)
            return detail_page(request, booking, status=error.status_code, transfer_form=form)
        messages.success(
            request,
            _("We emailed %(email)s a link to accept the booking. It stays yours until then.")
            % {"email": transfer.to_email},
        )
        return redirect("bookings:detail", reference=reference)
    booking = booking_or_404(request, reference)
    return detail_page(request, booking, status=400, transfer_form=form)


@login_required_back_to(booking_page)
@require_POST
def withdraw_transfer(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        withdrawn = services.withdraw_transfer(
            guest=signed_in_user(request), reference=reference, now=timezone.now()
        )
    except NotFound as error:
        raise Http404 from error
    if withdrawn:
        messages.success(request, _("The offer is withdrawn; its link no longer works."))
    return redirect("bookings:detail", reference=reference)


@login_required_back_to_the_form
@require_http_methods(["GET", "POST"])
def accept_transfer(request: HttpRequest, secret: str) -> HttpResponse:
    """The link in a transfer mail. Only the person logged in with the address it was sent to
    sees the booking and can accept it; the booking is then theirs. Anyone else signed in (the
    giver too) gets a 404 that says to log in with that address, and nothing of the booking:
    another user's booking is a 404 on every page."""
    user = signed_in_user(request)
    try:
        transfer = services.pending_transfer(secret=secret, user=user, now=timezone.now())
    except InvalidTransferLink as error:
        return _accepted_already(request, user=user, secret=secret, error=error)
    except DomainError as error:
        failed = {
            "error": message_of(error),
            "transfer": None,
            # Sent to another address: a way to log in with it that leads back to the link.
            "log_in_again": isinstance(error, TransferNotForYou),
        }
        return render(request, "bookings/transfer.html", failed, status=error.status_code)
    error_message = ""
    status = 200
    if request.method == "POST":
        try:
            booking = services.accept_transfer(user=user, secret=secret, now=timezone.now())
        except InvalidTransferLink as error:
            # A second press that waited for the first one's lock.
            return _accepted_already(request, user=user, secret=secret, error=error)
        except DomainError as error:
            error_message, status = message_of(error), error.status_code
        else:
            messages.success(request, _("The booking is yours now. Enjoy!"))
            return redirect("bookings:detail", reference=booking.reference)
    context = {"transfer": transfer, "booking": transfer.booking, "error": error_message}
    return render(request, "bookings/transfer.html", context, status=status)


def _accepted_already(
    request: HttpRequest, *, user: User, secret: str, error: InvalidTransferLink
) -> HttpResponse:
    """A link no longer pending: its booking's page for whoever took the booking through it and
    holds it still (a double click shows the second press's answer, which was "not valid"),
    the link's refusal for anyone else."""
    booking = services.accepted_by(secret=secret, user=user)
    if booking is None:
        failed = {"error": message_of(error), "transfer": None}
        return render(request, "bookings/transfer.html", failed, status=error.status_code)
    messages.info(request, _("This booking is yours: you accepted it."))
    return redirect("bookings:detail", reference=booking.reference)
