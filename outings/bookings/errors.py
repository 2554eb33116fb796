"""The rules a booking request can break, each with a stable code the API and pages show."""

from outings.common.errors import DomainError


class InvalidBooking(DomainError):
    code = "validation_error"
    status_code = 400
    message = "The booking request is not valid."


class SlotFull(DomainError):
    code = "slot_full"
    status_code = 409
    message = "Not enough seats are left on this date."


class SlotUnavailable(DomainError):
    """The slot started, was cancelled, or its listing is not bookable now."""

    code = "slot_unavailable"
    status_code = 409
    message = "This date can no longer be booked."


class HoldExpired(DomainError):
    code = "hold_expired"
    status_code = 409
    message = "Your hold expired and the seats have been taken by someone else."


class InvalidBookingState(DomainError):
    """The booking is not in a state that allows this (cancelling twice, confirming a request,
    transferring a cancelled booking ...)."""

    code = "invalid_state"
    status_code = 409
    message = "The booking cannot make this change in its current state."


class AlreadyWaiting(DomainError):
    code = "already_waiting"
    status_code = 409
    message = "You are already on the waiting list of this date."


class SeatsAvailable(DomainError):
    code = "seats_available"
    status_code = 409
    message = "Enough seats are free: book them instead of waiting."


class InvalidTransfer(DomainError):
    code = "validation_error"
    status_code = 400
    message = "The transfer is not valid."


class InvalidTransferLink(DomainError):
    code = "invalid_link"
    status_code = 404
    message = "This transfer link is not valid, was already used or was withdrawn."


class TransferNotForYou(DomainError):
    code = "transfer_not_for_you"
    status_code = 403
    message = "This transfer was sent to another email address; log in with that address."
