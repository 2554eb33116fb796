"""Outbox kinds scheduling writes for other apps to act on (it imports none of them)."""

# Booked dates whose times moved (their listing's duration changed their end, or staff corrected
# their times in the admin). Payload {"slots": [id, ...]}. The bookings app tells their guests,
# with the calendar event at its new time, and plans the reminder for a new start.
RETIMED = "scheduling.slots.retimed"
