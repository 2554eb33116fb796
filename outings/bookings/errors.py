"""The rules a booking request can break, each with a stable code the API and pages show.

Default messages stay English here (the API's JSON needs plain strings); gettext_noop puts them in
the catalogue, and the pages translate them when they show them (bookings.forms.message_of)."""

from django.utils.translation import gettext_noop

from outings.bookings.models import Booking
from outings.common.errors import DomainError


class InvalidBooking(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The booking request is not valid.")


class SlotFull(DomainError):
    code = "slot_full"
    status_code = 409
    message = gettext_noop("Not enough seats are left on this date.")


class SlotUnavailable(DomainError):
    """The slot started, was cancelled, or its listing is not bookable now."""

    code = "slot_unavailable"
    status_code = 409
    message = gettext_noop("This date can no longer be booked.")


class HoldExpired(DomainError):
    code = "hold_expired"
    status_code = 409
    message = gettext_noop("Your hold expired and the seats have been taken by someone else.")


class InvalidBookingState(DomainError):
    """The booking is not in a state that allows this (cancelling twice, confirming a request,
    transferring a cancelled booking ...)."""

    code = "invalid_state"
    status_code = 409
    message = gettext_noop("The booking cannot make this change in its current state.")


class RefundChanged(DomainError):
    """Cancelling now would refund something other than what the guest was shown. `current` is
    the booking as it is (unchanged), `refund` what cancelling it now gives."""

    code = "refund_changed"
    status_code = 409
    message = gettext_noop(
        "What cancelling gives back has changed since the page was shown. Here is what it gives "
        "now: cancel again if you agree."
    )

    def __init__(self, *, current: Booking, refund: int | None) -> None:
        super().__init__()
        self.current = current
        self.refund = refund


class AlreadyWaiting(DomainError):
    code = "already_waiting"
    status_code = 409
    message = gettext_noop("You are already on the waiting list of this date.")


class SeatsAvailable(DomainError):
    code = "seats_available"
    status_code = 409
    message = gettext_noop("Enough seats are free: book them instead of waiting.")


class InvalidTransfer(DomainError):
    code = "validation_error"
    status_code = 400
    message = gettext_noop("The transfer is not valid.")


class InvalidTransferLink(DomainError):
    code = "invalid_link"
    status_code = 404
    message = gettext_noop("This transfer link is not valid, was already used or was withdrawn.")


class TransferNotForYou(DomainError):
    """Signed in with another address than the one the transfer was sent to: a 404, as another
    user's private object is on every route, with a message that says which way in there is."""

    code = "transfer_not_for_you"
    status_code = 404
    message = gettext_noop(
        "This transfer was sent to another email address; log in with that address."
    )


class TransferLimitReached(DomainError):
    """The booking's guest has offered it BOOKINGS_TRANSFERS_PER_BOOKING times: every offer mails
    an address of their choosing, so a booking is not a way to mail address after address. It
    never lifts (409, not 429)."""

    code = "transfer_limit"
    status_code = 409
    message = gettext_noop(
        "This booking has been offered to someone else too many times; it cannot be offered again."
    )


class TransfersThrottled(DomainError):
    """The guest made BOOKINGS_TRANSFERS_PER_DAY offers in the last 24 hours; `retry_after`: the
    whole seconds until the next one may go (the API's Retry-After)."""

    code = "throttled"
    status_code = 429
    message = gettext_noop(
        "You have offered bookings to too many addresses in the last 24 hours. Try again later."
    )

    def __init__(self, *, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after
