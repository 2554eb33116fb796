"""Outbox kinds the catalogue writes for other apps to act on (it imports none of them)."""

# A listing became bookable again: published (first time, or resumed after a pause), or its
# suspended host reinstated. Payload {"listing": id} or {"host": id}. The bookings app offers the
# seats free on its upcoming dates to their waiting lists (none are offered while it is not).
BOOKABLE = "catalog.listing.bookable"
