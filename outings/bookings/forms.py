"""Forms of the booking pages. They only parse what a browser sends; the rules (group sizes,
seats left, states, addresses) live in outings.bookings.services, whose refusals `show_error`
puts back on the form with their message."""

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from outings.bookings.services.holds import FORM_TOKEN_MAX, MAX_SEATS, group_sizes
from outings.catalog.models import Listing
from outings.common.errors import DomainError

# The one-time token a booking form carries: the same form submitted twice books once. Shared
# with the host's forms that make something (outings.common.formtokens).
from outings.common.formtokens import new_form_token as new_form_token
from outings.scheduling.models import Slot

REASON_MAX = 1000


def message_of(error: DomainError) -> str:
    """The refusal's message in the reader's language. Services raise most messages already
    translated; an error class's default message is English in the code (errors.py marks it for
    the catalogue), so it is looked up here."""
    return gettext(str(error.message))


def show_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: its message above the form, and each field message
    on the field it names (above the form when the form has no such field)."""
    form.add_error(None, message_of(error))
    for name, messages in error.fields.items():
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(name if name in form.fields else None, str(message))


def focus_on_error(form: forms.Form) -> None:
    """Have the browser put the focus on what went wrong in `form`, once it was refused: on its
    first wrong box, whose message the box names (Django's aria-describedby). A refusal above
    the form (a non-field error) is focused by the template instead (`autofocus` on it), and
    a page has one `autofocus`. Without it the focus was at the top of the page: nothing told a
    screen reader of the refusal."""
    if form.non_field_errors():
        return
    for name in form.errors:
        field = form.fields.get(name)
        if field is not None and not field.widget.is_hidden:
            field.widget.attrs["autofocus"] = True
            return


def seats_bounds(listing: Listing) -> dict[str, int]:
    """The `min` and `max` of a "Guests" box for `listing`: the group sizes a booking takes
    (services.holds.group_sizes), `max` never below `min`."""
    low, high = group_sizes(listing)
    return {"min": low, "max": max(low, high)}


def bound_seats(slot: Slot, *forms_of_slot: forms.Form | None) -> None:
    """Give each form's "Guests" box the group sizes `slot`'s listing takes (seats_bounds), as
    the listing page's own boxes have them."""
    bounds = seats_bounds(slot.listing)
    for form in forms_of_slot:
        if form is not None:
            form.fields["seats"].widget.attrs.update(bounds)


class SlotSeatsForm(forms.Form):
    slot = forms.IntegerField(label=_("Date"), min_value=1, max_value=2**63 - 1)
    seats = forms.IntegerField(label=_("Guests"), min_value=1, max_value=MAX_SEATS, initial=1)


class BookForm(SlotSeatsForm):
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=FORM_TOKEN_MAX)


class WaitlistForm(SlotSeatsForm):
    """Shown beside a booking form (a date that sold out) or with one (seats free after all): its
    fields have ids of their own, so that each "Guests" label names its own box."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_waitlist_%s")
        super().__init__(*args, **kwargs)


class CancelForm(forms.Form):
    """The cancel page's form carries the refund it showed (empty: nothing due), so that the
    cancellation records that refund or none at all (services.cancel_booking)."""

    refund = forms.IntegerField(required=False, min_value=0, max_value=2**63 - 1)

    def shown_refund(self) -> int | None:
        """The refund the page showed. A form without one (or a garbled one) reads as "nothing
        due", which a paid booking refuses, so the guest is shown its refund and asked again."""
        return self.cleaned_data["refund"] if self.is_valid() else None


class TransferForm(forms.Form):
    # A plain text field: the service checks the address and says what is wrong with it.
    to_email = forms.CharField(
        label=_("Their email address"),
        max_length=320,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class ReasonForm(forms.Form):
    """Why a host declines or cancels; the guest reads it."""

    reason = forms.CharField(
        label=_("Reason (the guest reads it)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OptionalReasonForm(ReasonForm):
    reason = forms.CharField(
        label=_("Reason (optional; the guest reads it)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
