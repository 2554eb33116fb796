"""The only statements that move a slot's seats_taken.

Taking seats is one conditional UPDATE: the check and the write in one statement, so any number of
concurrent requests can never push a slot past its capacity, and CHECK (seats_taken <= capacity)
backs it. Callers hold no lock before calling; the UPDATE takes the slot's row lock until their
transaction ends. Lock order everywhere in this app: booking rows (by id), then the slot row,
then waitlist entries (by id).

Every change is announced to open listing pages once its transaction commits (a seats-left live
event), numbered from the sequence `bookings_seats_change` in the statement itself. The number is
taken under the slot's row lock, so for one slot it grows in the order the changes commit, even
when their events reach a page out of order through different processes: the page keeps the
highest number it has seen (notifications/live.js).
"""

import time
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.expressions import RawSQL

from outings.notifications import live
from outings.scheduling.models import Slot

_SLOT = Slot._meta.db_table

# `status = 'open' AND starts_at > now` repeat the callers' checks, which read the slot without
# its lock: the host cancelling it or staff moving its start hold that lock until they commit,
# and this statement, having waited, checks the row as they left it (test_races_session16_seats).
# It returns the date's times as they left them too: a hold's deadline comes from them
# (test_review_session18_deadlines).
_TAKE = f"""
    UPDATE {_SLOT} SET seats_taken = seats_taken + %(seats)s
    WHERE id = %(slot)s AND status = 'open' AND starts_at > %(now)s
      AND seats_taken + %(seats)s <= capacity
    RETURNING capacity - seats_taken, listing_id, nextval('bookings_seats_change'),
      starts_at, ends_at
"""  # noqa: S608 - table name from the model, values as parameters

_RELEASE = f"""
    UPDATE {_SLOT} SET seats_taken = seats_taken - %(seats)s
    WHERE id = %(slot)s
    RETURNING capacity - seats_taken, listing_id, nextval('bookings_seats_change')
"""  # noqa: S608 - table name from the model, values as parameters

# The test-only negative control: check, then write, in two statements (the classic race).
UNGUARDED_GAP_SECONDS = 0.1
_READ = f"SELECT seats_taken, capacity FROM {_SLOT} WHERE id = %(slot)s AND status = 'open' AND starts_at > %(now)s"  # noqa: S608, E501
_ADD = f"UPDATE {_SLOT} SET seats_taken = seats_taken + %(seats)s WHERE id = %(slot)s RETURNING capacity - seats_taken, listing_id, nextval('bookings_seats_change'), starts_at, ends_at"  # noqa: S608, E501


class Taken(NamedTuple):
    """Seats taken: the seats left after, and the date's times as the statement that took them
    read them, under the date's row lock (a move of its start committed while it waited is in
    them; the caller's earlier read of the date is not)."""

    left: int
    starts_at: datetime
    ends_at: datetime


def take_seats(*, slot_id: int, seats: int, now: datetime) -> Taken | None:
    """Take `seats` on an open slot that has not started: the seats left after and the date's
    times, or None when there are not enough (nothing changed). Call inside the booking's
    transaction; a deadline of what the seats are taken for comes from the times returned."""
    params: dict[str, int | datetime] = {"slot": slot_id, "seats": seats, "now": now}
    with connection.cursor() as cursor:
        if seat_guard_disabled():
            cursor.execute(_READ, params)
            row = cursor.fetchone()
            if row is None or row[0] + seats > row[1]:
                return None
            # Widen the gap between the check and the write to longer than a request takes to
            # get here, so that every worker of the negative control's server reads the same
            # count before any of them writes: the race shows on every run, even on two busy
            # cores (a gap of 10 ms let the workers fall into pairs, 0, 2, 4 ... 10, no oversell).
            time.sleep(UNGUARDED_GAP_SECONDS)
            cursor.execute(_ADD, params)
        else:
            cursor.execute(_TAKE, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return Taken(_announced(slot_id, row[:3]), starts_at=row[3], ends_at=row[4])


def release_seats(*, slot_id: int, seats: int) -> int:
    """Give `seats` back to the slot; the seats left after. Call in the transaction that ends
    the booking that held them, after locking that booking."""
    with connection.cursor() as cursor:
        cursor.execute(_RELEASE, {"slot": slot_id, "seats": seats})
        row = cursor.fetchone()
    if row is None:
        raise Slot.DoesNotExist(slot_id)
    return _announced(slot_id, row)


def seats_changed(slots: QuerySet[Slot]) -> None:
    """Announce the seats left of `slots`, whose capacity changed (the seats statements above
    announce their own changes), numbered like them in one statement. Call in the transaction
    that changed them, holding their row locks."""
    rows = (
        slots.order_by("starts_at", "id")
        .annotate(
            left=F("capacity") - F("seats_taken"),
            change=RawSQL("nextval('bookings_seats_change')", ()),
        )
        .values_list("pk", "left", "listing_id", "change")
    )
    for slot_id, left, listing_id, change in rows:
        _announced(slot_id, (left, listing_id, change))


def _announced(slot_id: int, row: tuple[int, int, int]) -> int:
    """The seats left that a statement returned, published to the listing's open pages on
    commit with the change's number (nothing is published if the change is rolled back)."""
    seats_left, listing_id, change = row
    live.publish_seats_left(
        listing_id=listing_id, slot_id=slot_id, seats_left=seats_left, change=change
    )
    return int(seats_left)


def seat_guard_disabled() -> bool:
    """The negative control of the concurrency tests: True only when the test-only setting is on
    AND the database is a Django test database ("test_..."), so that no production
    configuration can switch the guard off. The test also drops the CHECK constraint, which
    would otherwise still refuse the oversell."""
    return bool(settings.BOOKINGS_TEST_UNGUARDED_SEATS) and str(
        connection.settings_dict["NAME"]
    ).startswith("test_")
