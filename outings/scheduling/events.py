"""Outbox kinds scheduling writes for other apps to act on (it imports none of them)."""

# Booked dates whose end moved (their listing's duration changed). Payload {"slots": [id, ...]}.
# The bookings app tells their guests, with the calendar event at its new time.
RETIMED = "scheduling.slots.retimed"
