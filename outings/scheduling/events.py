"""Outbox kinds scheduling writes for other apps to act on (it imports none of them)."""

# Booked dates whose times moved (their listing's duration changed their end, or staff corrected
# their times in the admin). Payload {"slots": [id, ...], "was_starts_at": {"<id>": iso, ...},
# "last_booking": id, "last_entry": id}, the second for dates whose start moved (the start they
# had; absent: only the end moved), the last two the highest booking and waiting-list entry on
# those dates when they moved (0: none; absent, in rows from before session 19: no bound). The
# bookings app tells the guests of those bookings and entries what moved, with the calendar
# event at its new time, and plans the reminder for a new start.
RETIMED = "scheduling.slots.retimed"

# Waiting lists closed with their dates: a rule no longer makes a date nobody is booked on but
# somebody waits for a seat on (its seats freed while the listing was paused), and the date is
# cancelled with its waiting list (sync.retire). Payload {"entries": [id, ...]}, the entries
# closed. The bookings app tells each one's guest that the date was cancelled.
RETIRED = "scheduling.slots.retired"
