"""The guest's booking pages: book a date (hold, then confirm), cancel, hand a booking on, the
waiting list of a full date, "my bookings" and one booking with its calendar links.

Views parse a form, call one service and render. A service's refusal (DomainError) is shown on
the page with its message and the error's status code, never as a 500; someone else's booking,
or a date nobody may book, is a 404. Every POST is CSRF-protected (Django's middleware).
"""

from outings.bookings.views.booking import book, booking_detail, booking_ics, cancel, confirm
from outings.bookings.views.handover import accept_transfer, offer_transfer, withdraw_transfer
from outings.bookings.views.mine import decode_cursor, encode_cursor, my_bookings
from outings.bookings.views.waitlist import join_waitlist, leave_waitlist

__all__ = [
    "accept_transfer",
    "book",
    "booking_detail",
    "booking_ics",
    "cancel",
    "confirm",
    "decode_cursor",
    "encode_cursor",
    "join_waitlist",
    "leave_waitlist",
    "my_bookings",
    "offer_transfer",
    "withdraw_transfer",
]
