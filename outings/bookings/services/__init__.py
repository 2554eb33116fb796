"""Every write of the bookings app, one function per use case (see each module's contract)."""

from outings.bookings.services.cancellation import (
    cancel_booking,
    cancel_booking_as_host,
    cancel_booking_as_staff,
    guest_refund,
    refund_for,
)
from outings.bookings.services.dates import (
    cancel_slot,
    cancel_slot_as_staff,
    decide_minimum,
    slots_due_for_minimum,
    update_listing,
)
from outings.bookings.services.followups import (
    announce_confirmation,
    bring_deadlines_to_start,
    expire_booking,
    remind_guest,
    retime_bookings,
)
from outings.bookings.services.holds import (
    accept_request,
    bookable_slot,
    confirm_booking,
    decline_request,
    hold_seats,
)
from outings.bookings.services.transfers import (
    accept_transfer,
    accepted_by,
    offer_transfer,
    pending_transfer,
    withdraw_transfer,
)
from outings.bookings.services.waitlist import (
    capacity_changed,
    change_slot_capacity,
    join_waitlist,
    leave_waitlist,
    offer_to_waiting_lists,
    release_lapsed,
    tell_waitlists_closed,
    update_schedule,
)

__all__ = [
    "accept_request",
    "accept_transfer",
    "accepted_by",
    "announce_confirmation",
    "bookable_slot",
    "bring_deadlines_to_start",
    "cancel_booking",
    "cancel_booking_as_host",
    "cancel_booking_as_staff",
    "cancel_slot",
    "cancel_slot_as_staff",
    "capacity_changed",
    "change_slot_capacity",
    "confirm_booking",
    "decide_minimum",
    "decline_request",
    "expire_booking",
    "guest_refund",
    "hold_seats",
    "join_waitlist",
    "leave_waitlist",
    "offer_to_waiting_lists",
    "offer_transfer",
    "pending_transfer",
    "refund_for",
    "release_lapsed",
    "remind_guest",
    "retime_bookings",
    "slots_due_for_minimum",
    "tell_waitlists_closed",
    "update_listing",
    "update_schedule",
    "withdraw_transfer",
]
